using MLNet.SuperRes.Evaluation.Images;

namespace MLNet.SuperRes.Trainer.Data;

/// <summary>One training picture: the HR image mod-cropped to the scale and its MATLAB-bicubic LR, both 8-bit RGB.</summary>
public sealed record TrainingPair(string Name, RgbImage HighRes, RgbImage LowRes);
