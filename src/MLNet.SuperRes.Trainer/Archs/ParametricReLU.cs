using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Archs;

/// <summary>
/// PyTorch's <c>nn.PReLU</c>: max(0, x) + weight * min(0, x), one learned slope shared by all channels or one
/// per channel, state_dict key <c>weight</c>. Written here because TorchSharp's own constructor fills the slope
/// through a Scalar left to the finalizer (Torch/ScalarArithmetic.cs); this one starts from a tensor.
/// </summary>
public sealed partial class ParametricReLU : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;

    public Parameter Weight => weight;

    public ParametricReLU(int slopes, float initialSlope) : base(nameof(ParametricReLU))
    {
        using var scope = NewDisposeScope();
        weight = nn.Parameter(tensor(Enumerable.Repeat(initialSlope, slopes).ToArray()));
        weight.DetachFromDisposeScope();
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => nn.functional.prelu(input, weight);
}
