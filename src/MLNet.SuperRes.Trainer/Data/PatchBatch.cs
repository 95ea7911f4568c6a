namespace MLNet.SuperRes.Trainer.Data;

/// <summary>A batch of aligned patches as float planar RGB in [0, 1]: [B, 3, p, p] and [B, 3, s*p, s*p].</summary>
public sealed record PatchBatch(long Iteration, float[] LowRes, float[] HighRes, int BatchSize, int PatchSize, int Scale);
