using MLNet.SuperRes.Trainer.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Archs;

/// <summary>Locality Exploration Block: conv, ReLU, conv, plus the input (no residual scaling, as in the official code).</summary>
public sealed partial class Leb : nn.Module<Tensor, Tensor>
{
    private readonly Sequential body;

    public Leb(int channels) : base(nameof(Leb))
    {
        body = nn.Sequential(
            ("0", nn.Conv2d(channels, channels, 3, padding: 1)),
            ("1", nn.ReLU()),
            ("2", nn.Conv2d(channels, channels, 3, padding: 1)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => body.call(input).Add(input);
}
