using System.Text.Json.Serialization;

namespace MLNet.SuperRes.Trainer.Training;

/// <summary>Source-generated JSON for the trainer's records, so a trimmed publish serialises them too.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(TrainOptions))]
[JsonSerializable(typeof(TrainingState))]
internal sealed partial class TrainerJson : JsonSerializerContext;
