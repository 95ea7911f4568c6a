using MLNet.SuperRes.Trainer.Archs;
using TorchSharp;
using TorchSharp.Modules;

namespace MLNet.SuperRes.Trainer.Export.Emitters;

/// <summary>
/// Writes a module's forward computation into an ONNX graph by dispatching on its kind; each kind
/// has exactly one emitter, which mirrors that module's <c>forward</c>. The module path (the
/// state_dict prefix) names the values and initializers, so the graph reads like the model.
/// </summary>
internal static class ModuleEmitter
{
    /// <summary>Emits <paramref name="module"/> applied to the value <paramref name="input"/>; returns the output value's name.</summary>
    public static string Emit(OnnxGraphBuilder graph, torch.nn.Module module, string input, string path) => module switch
    {
        Hspan hspan => HspanEmitter.Emit(graph, hspan, input, path),
        Hspam hspam => HspamEmitter.Emit(graph, hspam, input, path),
        Hspa hspa => HspaEmitter.Emit(graph, hspa, input, path),
        Leb leb => LebEmitter.Emit(graph, leb, input, path),
        MeanShift meanShift => MeanShiftEmitter.Emit(graph, meanShift, input, path),
        Sequential sequential => SequentialEmitter.Emit(graph, sequential, input, path),
        Conv2d conv => Conv2dEmitter.Emit(graph, conv, input, path),
        ParametricReLU prelu => PReLUEmitter.Emit(graph, prelu, input, path),
        ReLU => graph.Node("Relu", path, new[] { input }),
        PixelShuffle shuffle => PixelShuffleEmitter.Emit(graph, shuffle, input, path),
        _ => throw new NotSupportedException($"ONNX export has no emitter for module '{path}' of type {module.GetType().Name}."),
    };

    /// <summary>The child module registered under <paramref name="name"/>, as the state_dict names it.</summary>
    public static torch.nn.Module Child(torch.nn.Module module, string name) =>
        module.named_children().FirstOrDefault(c => c.name == name).module
        ?? throw new InvalidOperationException($"Module {module.GetType().Name} has no child '{name}'; its ONNX emitter no longer matches its structure.");

    /// <summary>The parameter registered under <paramref name="name"/>.</summary>
    public static torch.Tensor Parameter(torch.nn.Module module, string name) =>
        module.named_parameters(recurse: false).FirstOrDefault(p => p.name == name).parameter
        ?? throw new InvalidOperationException($"Module {module.GetType().Name} has no parameter '{name}'; its ONNX emitter no longer matches its structure.");

    /// <summary>Joins a module path and a child name the way state_dict keys do.</summary>
    public static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
