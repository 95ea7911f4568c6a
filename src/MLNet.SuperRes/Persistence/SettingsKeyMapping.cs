using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLNet.SuperRes.Persistence;

// ML.NET's model loader finds these factories by their CustomMappingFactoryAttribute and builds their
// row types by reflection; internal types are enough for both.

/// <summary>Row with no columns: the input of <see cref="SettingsKeyMappingFactory"/>.</summary>
internal sealed class NoColumns
{
}

/// <summary>The constant key under which a saved stage finds its settings.</summary>
internal sealed class SettingsKeyRow
{
    /// <summary>Always <c>SuperResolve</c>.</summary>
    [ColumnName(SavedPipeline.SettingsKeyColumn)]
    public string Key { get; set; } = "";
}

/// <summary>Writes the constant settings key; part of a saved SuperResolve stage.</summary>
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class SettingsKeyMappingFactory : CustomMappingFactory<NoColumns, SettingsKeyRow>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "MLNet.SuperRes.SettingsKey/1";

    /// <inheritdoc/>
    public override Action<NoColumns, SettingsKeyRow> GetMapping() => (_, row) => row.Key = SavedPipeline.SettingsKey;
}
