using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MLNet.SuperRes.Engine.Attention;

/// <summary>
/// The vector operations the attention kernel needs, for one vector width. The kernel is generic over this
/// interface and each width is a struct, so the JIT compiles one specialised copy per width with no calls left.
/// </summary>
internal unsafe interface IFloatLanes<TVector> where TVector : struct
{
    static abstract int Count { get; }

    static abstract TVector Zero { get; }

    static abstract TVector Broadcast(float value);

    static abstract TVector Load(float* source);

    static abstract void Store(TVector value, float* destination);

    static abstract TVector Add(TVector a, TVector b);

    static abstract TVector Subtract(TVector a, TVector b);

    /// <summary>a * b + c, rounded once.</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

    static abstract TVector Max(TVector a, TVector b);

    static abstract float MaxAcross(TVector value);

    static abstract float SumAcross(TVector value);

    /// <summary>Lanes of <paramref name="value"/> above <paramref name="threshold"/> kept, the others 0.</summary>
    static abstract TVector KeepAbove(TVector value, TVector threshold);

    /// <summary>1 in each lane of <paramref name="value"/> above <paramref name="threshold"/>, else 0.</summary>
    static abstract TVector OnesAbove(TVector value, TVector threshold);

    /// <summary>Bit i set when lane i of <paramref name="value"/> is above <paramref name="threshold"/>.</summary>
    static abstract ulong BitsAbove(TVector value, TVector threshold);
}

internal unsafe struct Lanes512 : IFloatLanes<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Broadcast(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* source) => Vector512.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, float* destination) => value.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float MaxAcross(Vector512<float> value) => Lanes256.MaxAcross(Vector256.Max(value.GetLower(), value.GetUpper()));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float SumAcross(Vector512<float> value) => Vector512.Sum(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> KeepAbove(Vector512<float> value, Vector512<float> threshold) => Vector512.ConditionalSelect(Vector512.GreaterThan(value, threshold), value, Vector512<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> OnesAbove(Vector512<float> value, Vector512<float> threshold) => Vector512.ConditionalSelect(Vector512.GreaterThan(value, threshold), Vector512<float>.One, Vector512<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong BitsAbove(Vector512<float> value, Vector512<float> threshold) => Vector512.GreaterThan(value, threshold).ExtractMostSignificantBits();
}

internal unsafe struct Lanes256 : IFloatLanes<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* source) => Vector256.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> value, float* destination) => value.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector256<float> value)
    {
        var half = Vector128.Max(value.GetLower(), value.GetUpper());
        half = Vector128.Max(half, Vector128.Shuffle(half, Vector128.Create(2, 3, 0, 1)));
        half = Vector128.Max(half, Vector128.Shuffle(half, Vector128.Create(1, 0, 3, 2)));
        return half.ToScalar();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float SumAcross(Vector256<float> value) => Vector256.Sum(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> KeepAbove(Vector256<float> value, Vector256<float> threshold) => Vector256.ConditionalSelect(Vector256.GreaterThan(value, threshold), value, Vector256<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> OnesAbove(Vector256<float> value, Vector256<float> threshold) => Vector256.ConditionalSelect(Vector256.GreaterThan(value, threshold), Vector256<float>.One, Vector256<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong BitsAbove(Vector256<float> value, Vector256<float> threshold) => Vector256.GreaterThan(value, threshold).ExtractMostSignificantBits();
}

/// <summary>Where neither 256- nor 512-bit vectors run in hardware (ARM64 has 128): one lane, plain arithmetic.</summary>
internal unsafe struct Lanes1 : IFloatLanes<float>
{
    public static int Count => 1;
    public static float Zero => 0f;
    public static float Broadcast(float value) => value;
    public static float Load(float* source) => *source;
    public static void Store(float value, float* destination) => *destination = value;
    public static float Add(float a, float b) => a + b;
    public static float Subtract(float a, float b) => a - b;
    public static float MultiplyAdd(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);
    public static float Max(float a, float b) => MathF.Max(a, b);
    public static float MaxAcross(float value) => value;
    public static float SumAcross(float value) => value;
    public static float KeepAbove(float value, float threshold) => value > threshold ? value : 0f;
    public static float OnesAbove(float value, float threshold) => value > threshold ? 1f : 0f;
    public static ulong BitsAbove(float value, float threshold) => value > threshold ? 1ul : 0ul;
}
