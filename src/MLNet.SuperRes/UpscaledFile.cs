namespace MLNet.SuperRes;

/// <summary>What <see cref="SuperResolver.UpscaleFile"/> read and wrote.</summary>
/// <param name="InputWidth">The input's width, upright when its orientation was applied.</param>
/// <param name="InputHeight">The input's height, likewise.</param>
/// <param name="OutputWidth">The written image's width.</param>
/// <param name="OutputHeight">The written image's height.</param>
/// <param name="BitsPerChannel">16 for a 16-bit PNG written from a 16-bit PNG, else 8.</param>
/// <param name="TransparencyDropped">The input had transparency and the output format (JPEG) cannot hold it.</param>
public sealed record UpscaledFile(int InputWidth, int InputHeight, int OutputWidth, int OutputHeight, int BitsPerChannel,
    bool TransparencyDropped);
