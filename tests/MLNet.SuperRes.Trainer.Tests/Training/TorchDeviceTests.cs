using MLNet.SuperRes.Trainer.Training;

namespace MLNet.SuperRes.Trainer.Tests.Training;

public class TorchDeviceTests
{
    [Fact]
    public void CudaWithoutACudaLibTorchSaysWhyAndWhatToDo()
    {
        // The tests build against libtorch-cpu, which has no CUDA backend.
        var e = Assert.Throws<InvalidOperationException>(() => TorchDevice.Resolve("cuda"));
        Assert.StartsWith("--device cuda: no CUDA device is available to TorchSharp (the libtorch this program loaded is not a CUDA build)", e.Message);
        Assert.Contains("--libtorch", e.Message);
    }
}
