using MLNet.SuperRes.Trainer.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Archs;

/// <summary>
/// HSPAN's soft thresholding: sparsemax over the last dimension, found from the top-k scores.
/// Output = relu(s - max(s) - tau), where tau is the sparsemax threshold. Rows whose support fills
/// all k entries are solved again with 2k (up to the whole row), so the result is exact sparsemax.
/// Backward: zero off the support, grad - mean(grad over the support) on it.
/// </summary>
public sealed partial class SoftThresholding : autograd.SingleTensorFunction<SoftThresholding>
{
    public override string Name => nameof(SoftThresholding);

    /// <summary>Applies soft thresholding to the last dimension of <paramref name="scores"/>.</summary>
    public static Tensor Apply(Tensor scores, int topk) => apply(scores, topk);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var scores = (Tensor)vars[0];
        var topk = (int)vars[1];
        using var _ = no_grad();
        var (output, supportSize) = Forward(scores, topk);
        ctx.save_for_backward(new List<Tensor> { supportSize, output });
        return output;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        // On CUDA, autograd calls this on its device thread, outside any dispose scope of ours, so
        // the wrappers TorchSharp hands us would live until a GC finaliser runs: hundreds of MB of
        // GPU memory per call. Release them here; the trainer collects the returned one each step.
        var saved = ctx.get_saved_variables();
        try
        {
            var (supportSize, output) = (saved[0], saved[1]);
            return new List<Tensor> { Backward(gradOutput, output, supportSize), null! };
        }
        finally
        {
            foreach (var t in saved) t.Dispose();
            gradOutput.Dispose();
        }
    }

    /// <summary>The forward computation without autograd bookkeeping: output and support size per row.</summary>
    public static (Tensor Output, Tensor SupportSize) Forward(Tensor scores, int topk)
    {
        // Score matrices are large ([N, HW, HW]): free every intermediate as soon as the step is done
        // rather than at the end of the caller's dispose scope, and work in place where autograd allows.
        using var scope = NewDisposeScope();
        var shifted = scores - scores.max(-1, keepdim: true).values;
        var (tau, supportSize) = TauAndSupport(shifted, topk);
        var output = shifted.sub_(tau).ClampMin_(0);
        return (output.MoveToOuterDisposeScope(), supportSize.MoveToOuterDisposeScope());
    }

    /// <summary>Gradient of soft thresholding: zero off the support, centred over the support.</summary>
    public static Tensor Backward(Tensor gradOutput, Tensor output, Tensor supportSize)
    {
        using var scope = NewDisposeScope();
        var onSupport = output.Ne(0);
        var grad = gradOutput.MaskedFill(onSupport.logical_not(), 0);
        var mean = grad.sum(-1, keepdim: true) / supportSize.to(output.dtype);
        return grad.sub_(mean).MaskedFill_(onSupport.logical_not_(), 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Sparsemax threshold and support size of each row of <paramref name="shifted"/> (rows whose
    /// maximum is 0), computed from the largest <paramref name="topk"/> entries.
    /// </summary>
    public static (Tensor Tau, Tensor SupportSize) TauAndSupport(Tensor shifted, long topk)
    {
        using var scope = NewDisposeScope();
        long length = shifted.shape[^1];
        bool partial = topk < length;
        var sorted = partial
            ? shifted.topk((int)topk, dim: -1).values
            : shifted.sort(dim: -1, descending: true).Values;
        var cumsumMinusOne = sorted.cumsum(-1).Sub(1);
        var rank = ScalarArithmetic.Arange(1, sorted.shape[^1] + 1, shifted.dtype, shifted.device);
        var support = (rank * sorted).gt(cumsumMinusOne);
        // At least 1 for any finite row (the maximum is always in the support); the clamp only keeps
        // rows holding NaN or infinity from indexing out of bounds, so they come out NaN instead.
        var supportSize = support.sum(-1, keepdim: true, type: ScalarType.Int64).ClampMin(1);
        var tau = cumsumMinusOne.gather(-1, supportSize.Sub(1)) / supportSize.to(shifted.dtype);

        if (partial)
        {
            var unsolved = supportSize.Eq(topk).squeeze(-1);
            if (unsolved.any().item<bool>())
            {
                var (wideTau, wideSize) = TauAndSupport(shifted[unsolved], 2 * topk);
                tau[unsolved] = wideTau;
                supportSize[unsolved] = wideSize;
            }
        }
        return (tau.MoveToOuterDisposeScope(), supportSize.MoveToOuterDisposeScope());
    }
}
