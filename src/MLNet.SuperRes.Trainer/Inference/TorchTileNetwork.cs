using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Torch;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Inference;

/// <summary>
/// A TorchSharp HSPAN behind the runtime's tiled engine (<see cref="TiledUpscaler"/>), so a checkpoint is
/// tiled, blended, and treated for grey and alpha exactly as its ONNX export is in SuperResolve. The caller
/// puts the model in eval mode; it runs without gradients on <paramref name="device"/>.
/// </summary>
internal sealed class TorchTileNetwork(Hspan model, Device device) : ITileNetwork
{
    public int Scale => model.Config.Scale;

    public void Run(Memory<float> input, int height, int width, Memory<float> output)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = tensor(input.Span.ToArray(), new long[] { 1, 3, height, width }).to(device);
        var y = model.Upscale(x).cpu().contiguous();
        y.data<float>().ToArray().AsSpan().CopyTo(output.Span);
    }
}
