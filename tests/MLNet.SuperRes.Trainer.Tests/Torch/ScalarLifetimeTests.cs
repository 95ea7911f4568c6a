using System.Reflection;
using MLNet.SuperRes.Trainer.Tests.Infrastructure;
using MLNet.SuperRes.Trainer.Torch;
using TorchSharp;

namespace MLNet.SuperRes.Trainer.Tests.Torch;

/// <summary>
/// No code of ours hands TorchSharp a Scalar that may be finalized during its native call: read from the
/// compiled IL, not from a list kept by hand. A number becomes such a Scalar where our code converts it
/// (Scalar.op_Implicit, ToScalar) outside Torch/, or where it calls a TorchSharp method that converts one
/// itself (found by reading TorchSharp's own IL: Tensor.add(Tensor) makes its alpha of 1 that way,
/// Adam.step its betas), or builds an optimizer whose step does.
/// </summary>
public sealed class ScalarLifetimeTests
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
    private static readonly Assembly TorchSharpAssembly = typeof(Scalar).Assembly;

    [Fact]
    public void TorchSharpsOwnHazardsAreFound()
    {
        // The scan must see what it guards against, or an empty result proves nothing.
        var hazards = TorchSharpMethodsThatMakeScalars();
        Assert.Contains(hazards, m => m.DeclaringType == typeof(torch.Tensor) && m.Name == "op_Addition"
            && m.GetParameters().All(p => p.ParameterType == typeof(torch.Tensor)));
        Assert.Contains(hazards, m => m.DeclaringType == typeof(TorchSharp.Modules.Adam) && m.Name == "step");
        Assert.Contains(hazards, m => m.DeclaringType == typeof(torch.Tensor) && m.Name == "op_Multiply"
            && m.GetParameters()[1].ParameterType == typeof(double));
        Assert.DoesNotContain(hazards, m => m.DeclaringType == typeof(torch.Tensor) && m.Name == "mul"
            && m.GetParameters().Single().ParameterType == typeof(Scalar));
    }

    [Fact]
    public void TheTrainerAndItsTestsMakeNoScalarThatCanBeFreedMidCall()
    {
        var hazards = TorchSharpMethodsThatMakeScalars();
        var hazardousTypes = hazards.Where(m => m.IsVirtual).Select(m => m.DeclaringType!).ToHashSet();
        var offences = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var assembly in new[] { typeof(ScalarArithmetic).Assembly, typeof(ScalarLifetimeTests).Assembly })
        foreach (var method in MethodsOf(assembly))
        {
            var owner = Outermost(method.DeclaringType!);
            bool holdsItsScalars = owner.Namespace == typeof(ScalarArithmetic).Namespace && owner.Assembly == typeof(ScalarArithmetic).Assembly;
            bool comparesWithTorchSharpsAdam = owner == typeof(AdamTests) && method.Name == AdamTests.ComparisonMethod;
            foreach (var callee in Callees(method))
            {
                var where = $"{owner.Name}.{MemberName(method)} calls {callee.DeclaringType?.Name}.{callee.Name}({string.Join(", ", callee.GetParameters().Select(p => p.ParameterType.Name))})";
                if (MakesScalar(callee) && !holdsItsScalars) offences.Add(where + ": a Scalar nothing holds");
                else if (hazards.Contains(Definition(callee)) && !comparesWithTorchSharpsAdam) offences.Add(where + ", which makes a Scalar nothing holds");
                else if (!holdsItsScalars && !comparesWithTorchSharpsAdam && BuiltHazard(callee, hazardousTypes) is { } built)
                    offences.Add(where + $", which builds a {built.Name} whose step makes Scalars nothing holds (use Torch/Adam)");
            }
        }
        Assert.True(offences.Count == 0, $"Use Torch/{nameof(ScalarArithmetic)} instead:\n" + string.Join("\n", offences));
    }

    /// <summary>The hazardous TorchSharp type <paramref name="callee"/> constructs or returns, if any.</summary>
    private static Type? BuiltHazard(MethodBase callee, HashSet<Type> hazardousTypes) =>
        callee is ConstructorInfo c ? hazardousTypes.FirstOrDefault(t => t == c.DeclaringType)
        : callee is MethodInfo m ? hazardousTypes.FirstOrDefault(t => t.IsAssignableFrom(SafeReturnType(m))) : null;

    private static Type SafeReturnType(MethodInfo method)
    {
        try { return method.ReturnType; } catch (Exception e) when (e is FileNotFoundException or FileLoadException or TypeLoadException) { return typeof(void); }
    }

    private static bool MakesScalar(MethodBase method) =>
        method is MethodInfo m && m.DeclaringType?.Assembly == TorchSharpAssembly && SafeReturnType(m) == typeof(Scalar)
        && m.Name is "op_Implicit" or "ToScalar";

    /// <summary>TorchSharp methods that make a Scalar themselves, directly or through the methods they call.</summary>
    private static HashSet<MethodBase> TorchSharpMethodsThatMakeScalars()
    {
        var callers = new Dictionary<MethodBase, List<MethodBase>>();
        var found = new HashSet<MethodBase>();
        foreach (var method in MethodsOf(TorchSharpAssembly))
        foreach (var callee in Callees(method))
        {
            if (MakesScalar(callee)) found.Add(method);
            var key = Definition(callee);
            if (!callers.TryGetValue(key, out var list)) callers[key] = list = [];
            list.Add(method);
        }
        var pending = new Queue<MethodBase>(found);
        while (pending.TryDequeue(out var method))
            foreach (var caller in callers.GetValueOrDefault(method) ?? [])
                if (found.Add(caller)) pending.Enqueue(caller);
        return found;
    }

    private static IEnumerable<MethodBase> MethodsOf(Assembly assembly) =>
        assembly.GetTypes().SelectMany(t => t.GetMethods(Declared).Cast<MethodBase>().Concat(t.GetConstructors(Declared)));

    private static MethodBase Definition(MethodBase method) =>
        method is MethodInfo { IsGenericMethod: true } generic ? generic.GetGenericMethodDefinition() : method;

    /// <summary>Every method a body calls, or takes the address of (a lambda handed to a delegate).</summary>
    private static IEnumerable<MethodBase> Callees(MethodBase method) =>
        MethodBodyReader.Instructions(method).Select(i => i.Method).OfType<MethodBase>();

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is { } outer) type = outer;
        return type;
    }

    private static string MemberName(MethodBase method) =>
        method.DeclaringType is { } t && t != Outermost(t) ? $"{t.Name}.{method.Name}" : method.Name;
}
