using System.Reflection;
using System.Reflection.Emit;
using Microsoft.ML.OnnxRuntime;
using MLNet.SuperRes.Trainer.Tests.Infrastructure;

namespace MLNet.SuperRes.Trainer.Tests.Export;

/// <summary>
/// ONNX Runtime's option objects hand their native handle to Run as a bare pointer: one made inline, held by no
/// variable or field (or returned to a caller that owns it), can be finalized while Run still reads it (a stress run crashed inside libonnxruntime so).
/// Read from the compiled IL of the trainer, the runtime and their tests.
/// </summary>
public sealed class OnnxRuntimeLifetimeTests
{
    /// <summary>Kept in a variable or field, or returned to a caller that owns it.</summary>
    private static bool Keeps(OpCode op) => op.Name!.StartsWith("stloc", StringComparison.Ordinal) || op == OpCodes.Stfld || op == OpCodes.Stsfld || op == OpCodes.Ret;

    private static readonly Type[] HandleTypes = [typeof(RunOptions), typeof(SessionOptions)];

    [Fact]
    public void NoRunOrSessionOptionsIsMadeWithoutAVariableOrFieldToHoldIt()
    {
        const BindingFlags declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var assemblies = new[]
        {
            typeof(MLNet.SuperRes.Trainer.Export.HspanOnnxExporter).Assembly, typeof(SuperResolver).Assembly,
            typeof(OnnxRuntimeLifetimeTests).Assembly, typeof(MLNet.SuperRes.Tests.PublicApiTests).Assembly,
        };
        var offences = new SortedSet<string>(StringComparer.Ordinal);
        int checkedCount = 0;
        foreach (var assembly in assemblies)
        foreach (var method in assembly.GetTypes().SelectMany(t => t.GetMethods(declared).Cast<MethodBase>().Concat(t.GetConstructors(declared))))
        {
            var body = MethodBodyReader.Instructions(method).ToList();
            for (int i = 0; i < body.Count; i++)
            {
                if (body[i].OpCode != OpCodes.Newobj || body[i].Method?.DeclaringType is not { } made || !HandleTypes.Contains(made))
                    continue;
                checkedCount++;
                // An object initializer (dup, then setters) comes between the construction and the store.
                int j = i + 1;
                if (j < body.Count && body[j].OpCode == OpCodes.Dup)
                    while (j < body.Count && !Keeps(body[j].OpCode) && (body[j].Method is null || body[j].Method!.Name.StartsWith("set_", StringComparison.Ordinal)))
                        j++;
                if (j >= body.Count || !Keeps(body[j].OpCode))
                    offences.Add($"{method.DeclaringType!.FullName}.{method.Name} makes a {made.Name} that nothing holds (then {(j < body.Count ? body[j].Method?.Name : "the end")})");
            }
        }
        Assert.True(checkedCount > 5, $"the scan saw only {checkedCount} constructions: it is not reading the code");
        Assert.True(offences.Count == 0, "Hold it in a using variable (or return it to an owner):\n" + string.Join("\n", offences));
    }
}
