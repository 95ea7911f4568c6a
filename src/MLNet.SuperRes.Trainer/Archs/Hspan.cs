using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Archs;

/// <summary>
/// High-Similarity-Pass Attention Network (Su et al., IEEE TIP). Parameter names are those of the
/// official PyTorch state_dict, so checkpoints move between the two unchanged.
/// </summary>
public sealed class Hspan : nn.Module<Tensor, Tensor>
{
    // Declared in the official model but never used in forward; kept so state_dicts match.
    private readonly Parameter a;
    private readonly MeanShift sub_mean;
    private readonly Sequential head;
    private readonly Sequential body;
    private readonly Sequential tail;
    private readonly MeanShift add_mean;

    public HspanConfig Config { get; }

    public Hspan(HspanConfig config) : base(nameof(Hspan))
    {
        config.Validate();
        Config = config;
        int feats = config.NFeats;

        a = nn.Parameter(zeros(1));
        sub_mean = new MeanShift(config.RgbRange, -1);
        head = nn.Sequential(("0", Conv3x3(config.NColors, feats)));

        var groups = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int i = 0; i < config.NResGroups; i++)
            groups.Add((i.ToString(), new Hspam(feats, config.Reduction, config.NResBlocks, config.ResScale, config.TopK)));
        groups.Add((config.NResGroups.ToString(), Conv3x3(feats, feats)));
        body = nn.Sequential(groups);

        tail = nn.Sequential(("0", Upsampler(config.Scale, feats)), ("1", Conv3x3(feats, config.NColors)));
        add_mean = new MeanShift(config.RgbRange, 1);
        RegisterComponents();
    }

    private static Conv2d Conv3x3(int inChannels, int outChannels) => nn.Conv2d(inChannels, outChannels, 3, padding: 1);

    /// <summary>EDSR's Upsampler: x2 steps (conv to 4C, pixel shuffle 2) for powers of two, one x3 step for 3.</summary>
    private static Sequential Upsampler(int scale, int feats)
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        if (scale == 3)
        {
            layers.Add(("0", Conv3x3(feats, 9 * feats)));
            layers.Add(("1", nn.PixelShuffle(3)));
        }
        else
        {
            for (int step = 0; (1 << step) < scale; step++)
            {
                layers.Add(((2 * step).ToString(), Conv3x3(feats, 4 * feats)));
                layers.Add(((2 * step + 1).ToString(), nn.PixelShuffle(2)));
            }
        }
        return nn.Sequential(layers);
    }

    public override Tensor forward(Tensor input)
    {
        var x = head.call(sub_mean.call(input));
        var res = body.call(x) + x;
        return add_mean.call(tail.call(res));
    }
}
