using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Training;

/// <summary>Chooses the TorchSharp device and, where asked, loads libtorch from an existing install (e.g. PyTorch's torch/lib).</summary>
public static class TorchDevice
{
    // Load order matters: each library needs the ones before it.
    private static readonly string[] LibTorchFiles =
        ["libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so"];

    /// <summary>Loads libtorch's shared libraries from <paramref name="folder"/> before TorchSharp initialises.</summary>
    public static void UseLibTorchFrom(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"--libtorch folder '{folder}' does not exist.");
        var found = LibTorchFiles.Where(f => File.Exists(Path.Combine(folder, f))).ToList();
        if (!found.Contains("libtorch.so") || !found.Contains("libtorch_cpu.so"))
            throw new FileNotFoundException($"--libtorch folder '{folder}' holds no libtorch (expected libtorch.so and libtorch_cpu.so, e.g. PyTorch's site-packages/torch/lib).");
        foreach (var file in found) NativeLibrary.Load(Path.Combine(folder, file));
    }

    public static Device Resolve(string name)
    {
        switch (name.ToLowerInvariant())
        {
            case "cpu":
                return CPU;
            case "cuda":
                // Without a CUDA build of libtorch, TorchSharp throws with a message whose trace part is empty.
                try { InitializeDeviceType(DeviceType.CUDA); }
                catch (InvalidOperationException) { throw NoCuda("the libtorch this program loaded is not a CUDA build"); }
                if (!cuda.is_available()) throw NoCuda("libtorch's CUDA build sees no GPU (driver or CUDA_VISIBLE_DEVICES)");
                return CUDA;
            default:
                throw new ArgumentException($"Unknown --device '{name}': expected cpu or cuda.");
        }
    }

    private static InvalidOperationException NoCuda(string reason) => new(
        $"--device cuda: no CUDA device is available to TorchSharp ({reason}). Reference TorchSharp's CUDA package " +
        "(e.g. TorchSharp-cuda-linux) or point --libtorch (or LD_LIBRARY_PATH) at a CUDA build of libtorch such as PyTorch's torch/lib.");
}
