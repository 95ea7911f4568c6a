using MLNet.SuperRes.Trainer.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Archs;

/// <summary>
/// High-Similarity-Pass Attention Network (Su et al., IEEE TIP). Parameter names are those of the
/// official PyTorch state_dict, so checkpoints move between the two unchanged.
/// </summary>
public sealed partial class Hspan : nn.Module<Tensor, Tensor>
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
        // Frees what building the layers makes besides their parameters, which leave it: TorchSharp's
        // layers detach theirs, and ours (a, MeanShift, ParametricReLU) do the same.
        using var scope = NewDisposeScope();

        a = nn.Parameter(zeros(1));
        a.DetachFromDisposeScope();
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

    /// <summary>
    /// Draws every convolution's weights and biases afresh, as PyTorch's Conv2d does
    /// (U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for both), from a generator of its own seeded with
    /// <paramref name="seed"/>: the result depends on the seed alone, not on what other code in the
    /// process drew from the global generator before or meanwhile.
    /// </summary>
    public void InitializeWeights(long seed)
    {
        using var generator = new Generator((ulong)seed, CPU);
        using var _ = no_grad();
        foreach (var (_, module) in named_modules())
        {
            if (module is not Conv2d conv) continue;
            var weight = conv.weight!;
            double bound = 1 / Math.Sqrt(weight.shape[1] * weight.shape[2] * weight.shape[3]);
            using (var drawn = empty(weight.shape, weight.dtype).uniform_(-bound, bound, generator)) weight.copy_(drawn);
            if (conv.bias is { } bias)
                using (var drawn = empty(bias.shape, bias.dtype).uniform_(-bound, bound, generator)) bias.copy_(drawn);
        }
    }

    /// <summary>
    /// The network's one entry for images, used by training, inference, explain and export alike: RGB in [0, 1]
    /// [N, 3, H, W] in, [N, 3, s·H, s·W] in [0, 1] out, scaled to and from <see cref="HspanConfig.RgbRange"/> around
    /// <see cref="forward"/>, which takes the official code's [0, rgb_range] values.
    /// </summary>
    public Tensor Upscale(Tensor image)
    {
        double range = Config.RgbRange;
        if (range == 1.0) return call(image);
        using var scope = NewDisposeScope();
        return call(image.Mul(range)).Div(range).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor input)
    {
        var x = head.call(sub_mean.call(CpuMemoryLayout.Apply(input)));
        var res = body.call(x).Add(x);
        return add_mean.call(tail.call(res));
    }
}
