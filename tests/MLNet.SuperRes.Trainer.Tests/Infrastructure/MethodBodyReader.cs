using System.Reflection;
using System.Reflection.Emit;

namespace MLNet.SuperRes.Trainer.Tests.Infrastructure;

/// <summary>The instructions of a compiled method body, for tests that check what our code calls and how.</summary>
internal static class MethodBodyReader
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue =
        typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>One instruction: its opcode and, where its operand names a method it calls, constructs or takes the address of, that method.</summary>
    public readonly record struct Instruction(OpCode OpCode, MethodBase? Method);

    public static IEnumerable<Instruction> Instructions(MethodBase method)
    {
        byte[]? il;
        try { il = method.GetMethodBody()?.GetILAsByteArray(); }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or TypeLoadException or BadImageFormatException) { yield break; }
        if (il is null) yield break;
        for (int i = 0; i < il.Length;)
        {
            var op = il[i] == 0xFE ? OpCodesByValue[(short)(0xFE00 | il[i + 1])] : OpCodesByValue[il[i]];
            i += op.Size;
            MethodBase? callee = null;
            if (op.OperandType == OperandType.InlineMethod)
            {
                try
                {
                    callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, i),
                        method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null,
                        method.IsGenericMethod ? method.GetGenericArguments() : null);
                }
                catch (Exception e) when (e is ArgumentException or FileNotFoundException or FileLoadException or TypeLoadException or BadImageFormatException or MissingMethodException) { }
            }
            yield return new Instruction(op, callee);
            i += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }
    }
}
