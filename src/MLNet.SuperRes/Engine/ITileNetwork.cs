namespace MLNet.SuperRes.Engine;

/// <summary>
/// The network behind <see cref="TiledUpscaler"/>: ONNX Runtime here (<see cref="SuperResolutionSession"/>),
/// TorchSharp in the trainer, so one engine tiles, blends and handles grey, alpha and self-ensemble for both.
/// </summary>
internal interface ITileNetwork
{
    /// <summary>How many times larger the output is than the input, in each dimension.</summary>
    int Scale { get; }

    /// <summary>
    /// Runs the network on one image of <paramref name="height"/> × <paramref name="width"/> pixels, planar
    /// RGB in [0, 1], writing the planar RGB output (Scale times larger) into <paramref name="output"/>.
    /// </summary>
    void Run(Memory<float> input, int height, int width, Memory<float> output);
}
