using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Torch;

/// <summary>
/// Tensor arithmetic with numbers whose native <see cref="Scalar"/> outlives the call. TorchSharp 0.107
/// turns a number (<c>x * 0.1</c>, <c>clamp_min(0)</c>, and the alpha of 1 inside <c>x + y</c>) into a
/// Scalar that nothing references once its native call has begun and that no dispose scope tracks, so a
/// garbage collection on another thread may finalize it, freeing the C++ object while libtorch reads it
/// (docs/TORCHSHARP-LIFETIMES.md). Each method here holds its Scalar until the call has returned, then
/// frees it. The names are TorchSharp's in Pascal case; <c>Torch/ScalarLifetimeTests</c> keeps the
/// trainer off the hazardous overloads.
/// </summary>
internal static class ScalarArithmetic
{
    public static Tensor Mul(this Tensor tensor, double factor)
    {
        using var scalar = factor.ToScalar();
        return tensor.mul(scalar);
    }

    public static Tensor Div(this Tensor tensor, double divisor)
    {
        using var scalar = divisor.ToScalar();
        return tensor.div(scalar);
    }

    /// <summary><paramref name="tensor"/> + <paramref name="other"/>, as <c>tensor + other</c> computes it.</summary>
    public static Tensor Add(this Tensor tensor, Tensor other)
    {
        using var one = 1.ToScalar();
        return tensor.add(other, one);
    }

    public static Tensor Add(this Tensor tensor, double value)
    {
        using var scalar = value.ToScalar();
        using var one = 1.ToScalar();
        return tensor.add(scalar, one);
    }

    public static Tensor Add_(this Tensor tensor, double value)
    {
        using var scalar = value.ToScalar();
        using var one = 1.ToScalar();
        return tensor.add_(scalar, one);
    }

    /// <summary>Integer subtraction keeps an integer tensor's type.</summary>
    public static Tensor Sub(this Tensor tensor, long value)
    {
        using var scalar = value.ToScalar();
        return tensor.sub(scalar);
    }

    /// <summary>Integer bounds keep an integer tensor's type (a floating bound would promote it).</summary>
    public static Tensor ClampMin(this Tensor tensor, long min)
    {
        using var scalar = min.ToScalar();
        return tensor.clamp_min(scalar);
    }

    public static Tensor ClampMin(this Tensor tensor, double min)
    {
        using var scalar = min.ToScalar();
        return tensor.clamp_min(scalar);
    }

    public static Tensor ClampMin_(this Tensor tensor, double min)
    {
        using var scalar = min.ToScalar();
        return tensor.clamp_min_(scalar);
    }

    public static Tensor MaskedFill(this Tensor tensor, Tensor mask, double value)
    {
        using var scalar = value.ToScalar();
        return tensor.masked_fill(mask, scalar);
    }

    public static Tensor MaskedFill_(this Tensor tensor, Tensor mask, double value)
    {
        using var scalar = value.ToScalar();
        return tensor.masked_fill_(mask, scalar);
    }

    public static Tensor Eq(this Tensor tensor, long value)
    {
        using var scalar = value.ToScalar();
        return tensor.eq(scalar);
    }

    public static Tensor Ne(this Tensor tensor, long value)
    {
        using var scalar = value.ToScalar();
        return tensor.ne(scalar);
    }

    public static Tensor Gt(this Tensor tensor, long value)
    {
        using var scalar = value.ToScalar();
        return tensor.gt(scalar);
    }

    public static Tensor Lt(this Tensor tensor, long value)
    {
        using var scalar = value.ToScalar();
        return tensor.lt(scalar);
    }

    public static Tensor Ge(this Tensor tensor, long value)
    {
        using var scalar = value.ToScalar();
        return tensor.ge(scalar);
    }

    /// <summary>start, start + 1, ..., end - 1 as <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public static Tensor Arange(long start, long end, ScalarType dtype, Device device)
    {
        using var first = start.ToScalar();
        using var stop = end.ToScalar();
        using var step = 1.ToScalar();
        return arange(first, stop, step, dtype, device);
    }
}
