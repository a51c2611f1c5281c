"""``torch.amp``'s names: :class:`GradScaler` (dynamic loss scaling, a real one) and :class:`autocast` (a no-op
where no lower precision is asked for, an error where one is: minigrad has no automatic mixed precision)."""
from minigrad.amp.autocast_mode import autocast, is_autocast_available
from minigrad.amp.grad_scaler import GradScaler

__all__ = ["GradScaler", "autocast", "is_autocast_available"]
