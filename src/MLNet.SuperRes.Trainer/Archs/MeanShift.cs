using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Archs;

/// <summary>
/// EDSR's MeanShift: a fixed 1x1 convolution adding (sign = 1) or subtracting (sign = -1) the
/// DIV2K RGB mean scaled by rgb_range. Its weight and bias are in the state_dict but never trained.
/// </summary>
public sealed partial class MeanShift : nn.Module<Tensor, Tensor>
{
    public static readonly double[] Div2kRgbMean = { 0.4488, 0.4371, 0.4040 };

    private readonly Parameter weight;
    private readonly Parameter bias;

    public MeanShift(double rgbRange, int sign) : base(nameof(MeanShift))
    {
        using var scope = NewDisposeScope();
        weight = nn.Parameter(eye(3).view(3, 3, 1, 1), requires_grad: false);
        bias = nn.Parameter(tensor(Div2kRgbMean.Select(m => (float)(sign * rgbRange * m)).ToArray()), requires_grad: false);
        weight.DetachFromDisposeScope();
        bias.DetachFromDisposeScope();
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => nn.functional.conv2d(input, weight, bias);
}
