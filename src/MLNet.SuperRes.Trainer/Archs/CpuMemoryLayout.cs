using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Archs;

/// <summary>
/// The memory layout HSPAN's CPU tensors use. libtorch-cpu's oneDNN convolutions on contiguous (NCHW)
/// tensors compute wrong values, NaN and run-to-run different results when a channel count is not a
/// multiple of the vector block (8 with AVX2, 16 with AVX-512), backward and forward; on channels-last
/// (NHWC) tensors the same shapes are exact and repeatable, and faster. docs/CPU-TRAINING.md has the
/// measurements.
/// </summary>
public static class CpuMemoryLayout
{
    /// <summary>
    /// <paramref name="input"/> [N, C, H, W] with channels-last strides when it lives on the CPU (a no-op
    /// when it already has them); other devices keep their layout. Every convolution downstream follows
    /// the layout of its input, so converting the network's input is enough.
    /// </summary>
    public static Tensor Apply(Tensor input) =>
        input.device_type == DeviceType.CPU && input.dim() == 4 ? input.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) : input;
}
