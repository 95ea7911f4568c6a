namespace MLNet.SuperRes.Trainer.Export;

/// <summary>Where the exported weights came from, recorded in the ONNX metadata.</summary>
/// <param name="Source">The checkpoint's file name (no directory).</param>
/// <param name="Iterations">Training iterations behind the weights, when the checkpoint records them.</param>
public sealed record OnnxExportInfo(string Source, long? Iterations = null);
