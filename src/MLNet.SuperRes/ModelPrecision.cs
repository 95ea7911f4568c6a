namespace MLNet.SuperRes;

/// <summary>The numeric precision of the embedded default models (<see cref="SuperResolutionOptions.DefaultModelPrecision"/>).</summary>
public enum ModelPrecision
{
    /// <summary>float32 throughout: the trained network as exported.</summary>
    Float32 = 0,

    /// <summary>
    /// The same network with its convolutions quantized to int8 (per-channel weights, activations calibrated on
    /// training images); attention and residual additions stay float32. Faster on CPUs with int8 dot-product
    /// instructions (AVX-512 VNNI, AVX-VNNI, ARM dot product); docs/MODELS.md gives its speed and quality.
    /// Its quality was measured on such a CPU only: on x86 CPUs without VNNI, ONNX Runtime's int8 kernels add
    /// pairs of products in 16 bits, which full-range int8 weights can saturate.
    /// </summary>
    Int8 = 1,
}
