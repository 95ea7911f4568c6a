using MLNet.SuperRes.Trainer.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Archs;

/// <summary>
/// High-Similarity-Pass Attention: non-local attention over all H*W positions whose softmax is
/// replaced by soft thresholding, so only highly similar positions contribute.
/// </summary>
public sealed partial class Hspa : nn.Module<Tensor, Tensor>
{
    private readonly Sequential conv_match1;
    private readonly Sequential conv_match2;
    private readonly Sequential conv_assembly;

    public int TopK { get; }
    public double ResScale { get; }

    /// <summary>
    /// When set, hears each forward pass's raw scores and the attention weights soft thresholding made of them
    /// (both [N, H*W, H*W], query positions by key positions, in raster order); they are freed after the call.
    /// </summary>
    public Action<Tensor, Tensor>? AttentionObserver { get; set; }

    public Hspa(int channels, int reduction, double resScale, int topk) : base(nameof(Hspa))
    {
        conv_match1 = ConvPReLU(channels, channels / reduction);
        conv_match2 = ConvPReLU(channels, channels / reduction);
        conv_assembly = ConvPReLU(channels, channels);
        TopK = topk;
        ResScale = resScale;
        RegisterComponents();
    }

    /// <summary>EDSR's BasicBlock with a 1x1 convolution and PReLU: keys <c>0.weight</c>, <c>0.bias</c>, <c>1.weight</c>.</summary>
    private static Sequential ConvPReLU(int inChannels, int outChannels) =>
        nn.Sequential(("0", nn.Conv2d(inChannels, outChannels, 1)), ("1", new ParametricReLU(1, 0.25f)));

    public override Tensor forward(Tensor input)
    {
        var embed1 = conv_match1.call(input);
        var embed2 = conv_match2.call(input);
        var assembly = conv_assembly.call(input);

        long n = embed1.shape[0], c = embed1.shape[1], h = embed1.shape[2], w = embed1.shape[3];
        var queries = embed1.permute(0, 2, 3, 1).reshape(n, h * w, c);
        var keys = embed2.reshape(n, c, h * w);
        var rawScores = matmul(queries, keys);
        var scores = SoftThresholding.Apply(rawScores, TopK);
        AttentionObserver?.Invoke(rawScores, scores);
        rawScores.Dispose(); // [N, HW, HW] and not needed by backward: free it now, not at the end of the step

        var values = assembly.reshape(n, -1, h * w).permute(0, 2, 1);
        var attended = matmul(scores, values);
        if (!is_grad_enabled()) scores.Dispose(); // [N, HW, HW] again; only backward would need it
        return attended.permute(0, 2, 1).reshape(n, -1, h, w).Mul(ResScale).Add(input);
    }
}
