using MLNet.SuperRes.Trainer.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Archs;

/// <summary>HSPA-based module: n_resblocks LEBs, one HSPA, one conv; res_scale * body + input.</summary>
public sealed partial class Hspam : nn.Module<Tensor, Tensor>
{
    private readonly Sequential body;

    public double ResScale { get; }

    public Hspam(int channels, int reduction, int resBlocks, double resScale, int topk) : base(nameof(Hspam))
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int i = 0; i < resBlocks; i++) layers.Add((i.ToString(), new Leb(channels)));
        layers.Add((resBlocks.ToString(), new Hspa(channels, reduction, resScale, topk)));
        layers.Add(((resBlocks + 1).ToString(), nn.Conv2d(channels, channels, 3, padding: 1)));
        body = nn.Sequential(layers);
        ResScale = resScale;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => body.call(input).Mul(ResScale).Add(input);
}
