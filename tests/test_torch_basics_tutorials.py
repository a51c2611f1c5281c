"""PyTorch's "Learn the Basics" tutorials (pytorch/tutorials beginner_source/basics, blitz, examples_autograd and
examples_nn) run on minigrad with only the imports changed: ``import minigrad as torch``, ``from minigrad import
nn``, ``minigrad.utils.data`` for torch.utils.data and ``minigrad.data`` / ``minigrad.data.transforms`` for
torchvision's datasets and transforms. Each test runs a tutorial's snippets (tiny data, one short epoch) and
compares with torch where the result does not depend on random draws, from the same weights.

Where minigrad deliberately differs, the snippet is written the minigrad way and the test says so: nn.Linear's
weight is (in, out), Tensor.data is the raw array, torch.save(model) is refused, nn.Linear's default
initialisation is He-uniform with zero biases (docs/layers.md)."""
import math
import os
from pathlib import Path

import numpy as np
import pytest

import minigrad
from minigrad.io import to_torch

torch = pytest.importorskip("torch")

CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


@pytest.fixture(scope="module")
def root():
    env = os.environ.get("MINIGRAD_TEST_DATA", "").strip()
    folder = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"
    assert (folder / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").is_file(), (
        f"the tutorial tests need Fashion-MNIST in {folder / 'fashion-mnist'} (set MINIGRAD_TEST_DATA)")
    return folder


def tutorial_imports():
    """The tutorials' imports, the minigrad way (the one change the scripts need)."""
    import minigrad as torch_
    from minigrad import data as datasets
    from minigrad import nn
    from minigrad.data.transforms import Lambda, ToTensor
    from minigrad.utils.data import DataLoader, Dataset
    return torch_, nn, DataLoader, Dataset, datasets, ToTensor, Lambda


def make_tutorial_network(nn):
    """The quickstart / buildmodel / optimization tutorials' NeuralNetwork, written once against ``nn``."""
    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28 * 28, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))

        def forward(self, x):
            return self.linear_relu_stack(self.flatten(x))
    return NeuralNetwork


def torch_copy(model, torch_model):
    """``torch_model`` with ``model``'s weights (nn.Linear's transposed to torch's (out, in))."""
    arrays = to_torch(model, model.state_dict())
    torch_model.load_state_dict({k: torch.tensor(np.array(v)) for k, v in arrays.items()})
    return torch_model


def fashion_pixels(root, train, n):
    """The first ``n`` raw images and labels, read here with NumPy (the reference for ToTensor)."""
    import gzip
    split = "train" if train else "t10k"
    with gzip.open(root / "fashion-mnist" / f"{split}-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28)[:n]
    with gzip.open(root / "fashion-mnist" / f"{split}-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)[:n]
    return images, labels.astype(np.int64)


# ----------------------------------------------------------------------------------------------- quickstart
def test_quickstart_trains_saves_loads_and_predicts_as_torch(root, tmp_path):
    torch_, nn, DataLoader, _, datasets, ToTensor, _ = tutorial_imports()
    torch_.manual_seed(0)
    training_data = datasets.FashionMNIST(root=root, train=True, download=True, transform=ToTensor())
    test_data = datasets.FashionMNIST(root=root, train=False, download=True, transform=ToTensor())
    train_dataloader = DataLoader(torch_.utils.data.Subset(training_data, range(128)), batch_size=64)
    test_dataloader = DataLoader(torch_.utils.data.Subset(test_data, range(128)), batch_size=64)
    X, y = next(iter(test_dataloader))
    assert tuple(X.shape) == (64, 1, 28, 28) and tuple(y.shape) == (64,) and y.dtype == torch_.int64

    device = torch_.accelerator.current_accelerator().type if torch_.accelerator.is_available() else "cpu"
    device = "cuda" if torch_.cuda.is_available() else "mps" if torch_.backends.mps.is_available() else device
    NeuralNetwork = make_tutorial_network(nn)
    model = NeuralNetwork().to(device)
    reference = torch_copy(model, make_tutorial_network(torch.nn)())
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch_.optim.SGD(model.parameters(), lr=1e-3)
    torch_optimizer = torch.optim.SGD(reference.parameters(), lr=1e-3)

    model.train()
    for batch, (X, y) in enumerate(train_dataloader):
        X, y = X.to(device), y.to(device)
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        expected = torch.nn.functional.cross_entropy(reference(torch.tensor(X.numpy())), torch.tensor(y.numpy()))
        expected.backward()
        torch_optimizer.step()
        torch_optimizer.zero_grad()
        assert f"loss: {loss.item():>7f}  [{(batch + 1) * len(X):>5d}/{128:>5d}]" == \
            f"loss: {expected.item():>7f}  [{(batch + 1) * len(X):>5d}/{128:>5d}]"

    model.eval()
    test_loss, correct, torch_correct = 0, 0, 0
    with torch_.no_grad():
        for X, y in test_dataloader:
            pred = model(X.to(device))
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch_.float).sum().item()
            torch_correct += (reference(torch.tensor(X.numpy())).argmax(1) == torch.tensor(y.numpy())).sum().item()
    assert correct == torch_correct and isinstance(correct, float)

    torch_.save(model.state_dict(), tmp_path / "model.pth")
    model = NeuralNetwork().to(device)
    model.load_state_dict(torch_.load(tmp_path / "model.pth", weights_only=True))
    model.eval()
    x, y = test_data[0][0], test_data[0][1]
    assert isinstance(x, torch_.Tensor) and tuple(x.shape) == (1, 28, 28) and type(y) is int   # as torchvision's
    with torch_.no_grad():
        pred = model(x.to(device))
        predicted, actual = CLASSES[pred[0].argmax(0)], CLASSES[y]
    with torch.no_grad():
        expected = CLASSES[reference(torch.tensor(x.numpy()))[0].argmax(0)]
    assert (predicted, actual) == (expected, "Ankle boot")


# -------------------------------------------------------------------------------------------- tensors
def test_tensors_tutorial_matches_torch():
    torch_ = tutorial_imports()[0]
    data = [[1, 2], [3, 4]]
    x_data = torch_.tensor(data)
    assert x_data.dtype == torch_.int64 and torch_.ones_like(x_data).dtype == torch_.int64
    x_rand = torch_.rand_like(x_data, dtype=torch_.float)
    assert x_rand.dtype == torch_.float32 and tuple(x_rand.shape) == (2, 2)
    shape = (2, 3,)
    assert tuple(torch_.rand(shape).shape) == tuple(torch_.ones(shape).shape) == tuple(torch_.zeros(shape).shape)

    tensor, reference = torch_.ones(4, 4), torch.ones(4, 4)
    tensor[:, 1] = 0
    reference[:, 1] = 0
    np.testing.assert_array_equal(torch_.cat([tensor, tensor, tensor], dim=1).numpy(),
                                  torch.cat([reference] * 3, dim=1).numpy())
    y1 = tensor @ tensor.T
    y3 = torch_.rand_like(tensor)
    assert torch_.matmul(tensor, tensor.T, out=y3) is y3          # out= was refused (unexpected keyword)
    np.testing.assert_array_equal(y3.numpy(), y1.numpy())
    np.testing.assert_array_equal(y3.numpy(), torch.matmul(reference, reference.T).numpy())
    z3 = torch_.rand_like(tensor)
    torch_.mul(tensor, tensor, out=z3)
    np.testing.assert_array_equal(z3.numpy(), (reference * reference).numpy())
    agg_item = tensor.sum().item()
    assert agg_item == 12.0 and type(agg_item) is float
    tensor.add_(5)
    np.testing.assert_array_equal(tensor.numpy(), reference.add_(5).numpy())

    t = torch_.ones(5)
    n = t.numpy()
    t.add_(1)
    assert n.tolist() == [2.0] * 5                                  # the NumPy bridge shares memory
    n = np.ones(5)
    t = torch_.from_numpy(n)
    np.add(n, 1, out=n)
    assert t.tolist() == [2.0] * 5


@pytest.mark.parametrize("name", ["matmul", "mul", "add", "sub", "div"])
def test_out_argument_as_torch(name):
    a, b = np.arange(6.0).reshape(2, 3) + 1, np.full((3, 3) if name == "matmul" else (2, 3), 2.0)
    ours, theirs = getattr(minigrad, name), getattr(torch, name)
    out, torch_out = minigrad.empty(0), torch.empty(0)             # an empty out is resized without a warning
    ours(minigrad.tensor(a), minigrad.tensor(b), out=out)
    theirs(torch.tensor(a, dtype=torch.float32), torch.tensor(b, dtype=torch.float32), out=torch_out)
    np.testing.assert_array_equal(out.numpy(), torch_out.numpy())
    with pytest.warns(UserWarning, match=r"resized since it had shape \(5,\)"):
        ours(minigrad.tensor(a), minigrad.tensor(b), out=minigrad.zeros(5))
    with pytest.raises(RuntimeError, match=rf"^{name}\(\): result type float32 can't be cast to the desired output "
                                           r"type int64"):
        ours(minigrad.tensor(a), minigrad.tensor(b), out=minigrad.zeros(2, 3, dtype=minigrad.int64))
    w = minigrad.tensor(a, requires_grad=True)
    with pytest.raises(RuntimeError, match=rf"^{name}\(\): functions with out=\.\.\. arguments don't support "
                                           "automatic differentiation"):
        ours(w, minigrad.tensor(b), out=minigrad.empty(0))
    with minigrad.no_grad():
        ours(w, minigrad.tensor(b), out=out)
    np.testing.assert_array_equal(out.numpy(), torch_out.numpy())


# ---------------------------------------------------------------------------------- datasets & dataloaders
def test_data_tutorial_samples_and_batches_as_torchvision(root):
    torch_, _, DataLoader, Dataset, datasets, ToTensor, _ = tutorial_imports()
    training_data = datasets.FashionMNIST(root=root, train=True, download=True, transform=ToTensor())
    images, labels = fashion_pixels(root, True, 64)
    labels_map = dict(enumerate(CLASSES))
    torch_.manual_seed(0)
    sample_idx = torch_.randint(64, size=(1,)).item()
    img, label = training_data[sample_idx]
    assert isinstance(img, torch_.Tensor) and type(label) is int and labels_map[label] == CLASSES[labels[sample_idx]]
    np.testing.assert_array_equal(np.asarray(img.squeeze()),   # what plt.imshow reads
                                  (torch.tensor(images[sample_idx]).float() / 255).numpy())

    train_dataloader = DataLoader(training_data, batch_size=64, shuffle=True)
    train_features, train_labels = next(iter(train_dataloader))
    assert tuple(train_features.size()) == (64, 1, 28, 28) and tuple(train_labels.size()) == (64,)
    assert tuple(train_features[0].squeeze().shape) == (28, 28) and f"Label: {train_labels[0]}".startswith("Label: ")

    class CustomImageDataset(Dataset):   # the tutorial's class, its files replaced by arrays in memory
        def __init__(self, images, labels, transform=None, target_transform=None):
            self.images, self.img_labels = images, labels
            self.transform, self.target_transform = transform, target_transform

        def __len__(self):
            return len(self.img_labels)

        def __getitem__(self, idx):
            image, label = torch_.tensor(self.images[idx][None]), int(self.img_labels[idx])   # read_image: (1, H, W)
            if self.transform:
                image = self.transform(image)
            if self.target_transform:
                label = self.target_transform(label)
            return image, label

    custom = CustomImageDataset(images, labels, transform=lambda x: x.float() / 255)
    x, y = next(iter(DataLoader(custom, batch_size=16)))
    assert tuple(x.shape) == (16, 1, 28, 28) and y.dtype == torch_.int64
    np.testing.assert_array_equal(x.numpy(), (torch.tensor(images[:16, None]).float() / 255).numpy())
    np.testing.assert_array_equal(y.numpy(), labels[:16])


def test_download_true_without_the_files_says_where_to_put_them(tmp_path, monkeypatch):
    datasets = tutorial_imports()[4]
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors", ("http://127.0.0.1:9/",))   # no network in tests
    with pytest.raises(datasets.DatasetNotFoundError, match=r"(?s)could not find train-images-idx3-ubyte\.gz.*"
                                                            r"Put the four files.*in the folder .*fashion-mnist"):
        datasets.FashionMNIST(root=tmp_path, train=True, download=True)


# ---------------------------------------------------------------------------------------------- transforms
def test_transforms_tutorial_one_hot_target_as_torch(root):
    torch_, _, DataLoader, _, datasets, ToTensor, Lambda = tutorial_imports()
    one_hot = Lambda(lambda y: torch_.zeros(10, dtype=torch_.float).scatter_(0, torch_.tensor(y), value=1))
    ds = datasets.FashionMNIST(root=root, train=True, download=True, transform=ToTensor(), target_transform=one_hot)
    _, labels = fashion_pixels(root, True, 64)
    expected = torch.stack([torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1) for y in labels])
    target = ds[0][1]   # was tensor(0.): the Lambda saw a batch of one label
    assert isinstance(target, torch_.Tensor) and target.dtype == torch_.float32
    np.testing.assert_array_equal(target.numpy(), expected[0].numpy())
    for batch_size in (10, 64):   # 10 rows came back as one (10,) vector; 64 was an error
        _, y = next(iter(DataLoader(ds, batch_size=batch_size)))
        np.testing.assert_array_equal(y.numpy(), expected[:batch_size].numpy())
    target_transform = Lambda(lambda y: torch_.zeros(10, dtype=torch_.float).scatter_(
        dim=0, index=torch_.tensor(y), value=1))
    np.testing.assert_array_equal(target_transform(np.array([3, 1])),   # a batch of labels: one row each
                                  torch.nn.functional.one_hot(torch.tensor([3, 1]), 10).float().numpy())


def test_lambda_per_sample_and_batched():
    import minigrad.data.transforms as T
    images = np.arange(2 * 1 * 2 * 3, dtype=np.float32).reshape(2, 1, 2, 3)
    per_sample = T.Compose([T.Lambda(lambda x: minigrad.flatten(x))])          # torchvision's: x is (1, 2, 3)
    np.testing.assert_array_equal(per_sample(images), images.reshape(2, 6))
    np.testing.assert_array_equal(T.Lambda(lambda x: x.reshape(len(x), -1), batched=True)(images), images.reshape(2, 6))
    halves = T.Lambda(lambda y: y / 2)(np.array([1, 3]))                       # a Python int in, a float out
    assert halves.dtype == np.float32 and halves.tolist() == [0.5, 1.5]
    assert T.Lambda(lambda y: y + 1)(4) == 5                                   # a bare label, as torchvision
    assert repr(T.Lambda(abs, batched=True)) == "Lambda(abs, batched=True)"
    with pytest.raises(TypeError, match=r"^Lambda: batched must be True or False, got 1$"):
        T.Lambda(abs, batched=1)


@pytest.mark.parametrize("case", ["value", "0-d src", "1-D src", "scatter_add", "gather", "scatter_reduce"])
def test_a_0d_index_is_one_element_of_a_1d_input(case):
    def run(lib):
        x, index = lib.zeros(5), lib.tensor(3)
        if case == "value":
            return x.scatter(0, index, value=7.0)
        if case == "0-d src":
            return lib.scatter(x, 0, index, lib.tensor(2.0))
        if case == "1-D src":
            return x.scatter_(0, index, lib.tensor([2.0, 4.0]))
        if case == "scatter_add":
            return lib.scatter_add(x, 0, index, lib.tensor(2.0))
        if case == "scatter_reduce":
            return lib.scatter_reduce(x + 1, 0, index, lib.tensor(2.0), "prod")
        return lib.gather(lib.arange(5.0), 0, index)
    ours, theirs = run(minigrad), run(torch)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(ValueError, match=r"^scatter: index has 0 dims \(shape \(\)\) and the input 2"):
        minigrad.zeros(2, 5).scatter(0, minigrad.tensor(1), value=7.0)


def test_0d_index_scatter_gradients_as_torch():
    def run(lib):
        x, src = lib.ones(5, requires_grad=True), lib.tensor(3.0, requires_grad=True)
        y = lib.scatter(x * 2, 0, lib.tensor(1), src) * lib.arange(5.0)
        z = lib.gather(x, 0, lib.tensor(4)) * 3
        (y.sum() + z).backward()
        return x.grad.numpy(), src.grad.numpy()
    for ours, theirs in zip(run(minigrad), run(torch)):
        np.testing.assert_array_equal(ours, theirs)


# -------------------------------------------------------------------------------------------- build model
def test_buildmodel_tutorial_runs():
    torch_, nn = tutorial_imports()[:2]
    model = make_tutorial_network(nn)().to("cpu")
    X = torch_.rand(1, 28, 28, device="cpu")
    pred_probab = nn.Softmax(dim=1)(model(X))
    assert tuple(pred_probab.argmax(1).shape) == (1,) and abs(pred_probab.sum().item() - 1) < 1e-6
    input_image = torch_.rand(3, 28, 28)
    flat_image = nn.Flatten()(input_image)
    layer1 = nn.Linear(in_features=28 * 28, out_features=20)
    hidden1 = nn.ReLU()(layer1(flat_image))
    assert tuple(flat_image.size()) == (3, 784) and tuple(hidden1.size()) == (3, 20) and hidden1.min().item() >= 0
    seq_modules = nn.Sequential(nn.Flatten(), layer1, nn.ReLU(), nn.Linear(20, 10))
    assert tuple(nn.Softmax(dim=1)(seq_modules(input_image)).shape) == (3, 10)
    sizes = {name: tuple(param.size()) for name, param in model.named_parameters()}
    torch_sizes = {name: tuple(p.size()) for name, p in make_tutorial_network(torch.nn)().named_parameters()}
    assert list(sizes) == list(torch_sizes)
    # minigrad's deliberate difference: nn.Linear's weight is (in, out), so param[:2] previews two inputs' rows
    assert all(sizes[k] == torch_sizes[k][::-1] for k in sizes)


# ------------------------------------------------------------------------------------------------- autograd
def test_autograd_tutorial_gradients_as_torch():
    torch_ = tutorial_imports()[0]
    w0, b0 = np.random.default_rng(0).standard_normal((5, 3)), np.random.default_rng(1).standard_normal(3)

    def run(lib):
        x, y = lib.ones(5, dtype=lib.float64), lib.zeros(3, dtype=lib.float64)
        w = lib.tensor(w0, dtype=lib.float64, requires_grad=True)
        b = lib.tensor(b0, dtype=lib.float64, requires_grad=True)
        z = lib.matmul(x, w) + b
        loss = lib.nn.functional.binary_cross_entropy_with_logits(z, y)
        assert z.grad_fn is not None and loss.grad_fn is not None
        loss.backward()
        with lib.no_grad():
            assert not (lib.matmul(x, w) + b).requires_grad
        assert not (lib.matmul(x, w) + b).detach().requires_grad
        inp = lib.eye(4, 5, dtype=lib.float64, requires_grad=True)
        out = (inp + 1).pow(2).t()
        grads = []
        for zero in (False, False, True):
            if zero:
                inp.grad.zero_()
            out.backward(lib.ones_like(out), retain_graph=True)
            grads.append(inp.grad.numpy().copy())
        return [w.grad.numpy(), b.grad.numpy(), loss.item()] + grads
    for ours, theirs in zip(run(torch_), run(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------------------------- save & load
def test_saveload_tutorial_state_dict_round_trip_and_whole_model_refused(tmp_path):
    torch_, nn = tutorial_imports()[:2]
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Dropout(), nn.Linear(4 * 6 * 6, 10))
    torch_.save(model.state_dict(), tmp_path / "model_weights.pth")
    fresh = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Dropout(), nn.Linear(4 * 6 * 6, 10))
    fresh.load_state_dict(torch_.load(tmp_path / "model_weights.pth", weights_only=True))
    fresh.eval()
    x = torch_.rand(2, 3, 8, 8)
    model.eval()
    np.testing.assert_array_equal(fresh(x).numpy(), model(x).numpy())
    # minigrad's deliberate difference: nothing is pickled, so a whole model is refused with the way out
    with pytest.raises(TypeError, match=r"save: cannot store a value of type Sequential .*save its state_dict"):
        torch_.save(model, tmp_path / "model.pth")


# --------------------------------------------------------------------------------- blitz: neural networks
def test_blitz_lenet_forward_backward_and_step_as_torch():
    torch_ = tutorial_imports()[0]

    def make_net(lib):
        nn, F = lib.nn, lib.nn.functional

        class Net(nn.Module):
            def __init__(self):
                super(Net, self).__init__()
                self.conv1, self.conv2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
                self.fc1, self.fc2, self.fc3 = nn.Linear(16 * 5 * 5, 120), nn.Linear(120, 84), nn.Linear(84, 10)

            def forward(self, x):
                x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
                x = F.max_pool2d(F.relu(self.conv2(x)), 2)
                x = x.view(-1, self.num_flat_features(x))
                return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

            def num_flat_features(self, x):
                num_features = 1
                for s in x.size()[1:]:
                    num_features *= s
                return num_features
        return Net()

    torch_.set_default_dtype(torch_.float64)
    try:
        net = make_net(torch_)
    finally:
        torch_.set_default_dtype(torch_.float32)
    reference = torch_copy(net, make_net(torch).double())
    params = list(net.parameters())
    assert len(params) == 10 and tuple(params[0].size()) == (6, 1, 5, 5)
    rng = np.random.default_rng(0)
    inputs, target = rng.standard_normal((1, 1, 32, 32)), rng.standard_normal(10)
    results = []
    for lib, model in ((torch_, net), (torch, reference)):
        input, target_ = lib.tensor(inputs, dtype=lib.float64), lib.tensor(target, dtype=lib.float64).view(1, -1)
        criterion = lib.nn.MSELoss()
        loss = criterion(model(input), target_)
        assert loss.grad_fn.next_functions[0][0] is not None
        model.zero_grad()
        loss.backward()
        bias_grad = model.conv1.bias.grad.numpy().copy()
        optimizer = lib.optim.SGD(model.parameters(), lr=0.01)
        optimizer.zero_grad()
        criterion(model(input), target_).backward()
        optimizer.step()
        results.append((loss.item(), bias_grad, model(input).detach().numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------------------- examples_autograd / _nn
def test_polynomial_custom_function_and_nn_examples_as_torch():
    def custom_function(lib):
        class LegendrePolynomial3(lib.autograd.Function):
            @staticmethod
            def forward(ctx, input):
                ctx.save_for_backward(input)
                return 0.5 * (5 * input ** 3 - 3 * input)

            @staticmethod
            def backward(ctx, grad_output):
                input, = ctx.saved_tensors
                return grad_output * 1.5 * (5 * input ** 2 - 1)

        dtype, device = lib.float64, lib.device("cpu")
        x = lib.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
        y = lib.sin(x)
        weights = [lib.full((), v, device=device, dtype=dtype, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3)]
        a, b, c, d = weights
        for _ in range(20):
            loss = (a + b * LegendrePolynomial3.apply(c + d * x) - y).pow(2).sum()
            loss.backward()
            with lib.no_grad():
                for p in weights:
                    p -= 5e-6 * p.grad
                    p.grad = None
        return [loss.item()] + [p.item() for p in weights]

    def polynomial_nn(lib, model):
        x = lib.linspace(-math.pi, math.pi, 2000, dtype=lib.float64)
        xx = x.unsqueeze(-1).pow(lib.tensor([1, 2, 3]))
        loss_fn = lib.nn.MSELoss(reduction="sum")
        for _ in range(20):
            loss = loss_fn(model(xx), lib.sin(x))
            model.zero_grad()
            loss.backward()
            with lib.no_grad():
                for param in model.parameters():
                    param -= 1e-6 * param.grad
        return loss.item(), model[0].bias.item(), model[0].weight.detach().numpy()

    # a and c stay at 0 up to rounding (sin is odd): 1e-18 either way
    np.testing.assert_allclose(custom_function(minigrad), custom_function(torch), rtol=1e-10, atol=1e-15)
    ours = minigrad.nn.Sequential(minigrad.nn.Linear(3, 1, dtype=minigrad.float64), minigrad.nn.Flatten(0, 1))
    theirs = torch_copy(ours, torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1)).double())
    (loss, bias, weight), (torch_loss, torch_bias, torch_weight) = polynomial_nn(minigrad, ours), \
        polynomial_nn(torch, theirs)
    np.testing.assert_allclose([loss, bias], [torch_loss, torch_bias], rtol=1e-10)
    # minigrad's deliberate difference: the weight is (3, 1), so the tutorial's weight[:, 0].item() is weight[0, 0]
    np.testing.assert_allclose(weight, torch_weight.T, rtol=1e-10)
    with pytest.raises(ValueError, match=r"item\(\): tensor has 3 elements"):
        ours[0].weight[:, 0].item()
