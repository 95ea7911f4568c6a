using System.Text.Json.Serialization;
using MLNet.SuperRes.Trainer.Archs;

namespace MLNet.SuperRes.Trainer.Checkpoints;

/// <summary>Source-generated JSON for the configuration a checkpoint's metadata carries.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(HspanConfig))]
internal sealed partial class CheckpointJson : JsonSerializerContext;
