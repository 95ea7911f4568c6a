using MLNet.SuperRes.OnnxGraphs;

namespace MLNet.SuperRes.Trainer.Export;

/// <summary>
/// A module that writes its own forward computation into an ONNX graph, in a file beside its forward
/// (Archs/NAME.Onnx.cs), reading its own fields: a renamed or rewired field fails to compile there, not at export.
/// </summary>
internal interface IOnnxForm
{
    /// <summary>Emits the module applied to <paramref name="input"/>; <paramref name="path"/> is its state_dict prefix. Returns the output value.</summary>
    string EmitOnnx(OnnxGraphBuilder graph, string input, string path);
}
