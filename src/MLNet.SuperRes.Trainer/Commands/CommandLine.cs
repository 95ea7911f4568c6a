using System.Globalization;
using System.Numerics;

namespace MLNet.SuperRes.Trainer.Commands;

/// <summary>A bad command line: the verb prints "verb: message" and its usage, and exits with code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The "--name value" and "--flag" options of one verb, shared by train, eval and export: every option
/// given once, every value present and well-formed, and (after <see cref="RejectUnknown"/>) every option known.
/// </summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, string?> values = new();
    private readonly HashSet<string> used = new();
    private readonly HashSet<string> missingValue = new();

    /// <summary>Splits <paramref name="args"/>; names in <paramref name="flags"/> take no value.</summary>
    public CommandLine(string[] args, params string[] flags)
    {
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal)) throw new UsageException($"unexpected argument '{arg}'.");
            string name = arg[2..];
            if (name.IndexOf('=') is int equals and >= 0)
                throw new UsageException(flags.Contains(name[..equals])
                    ? $"--{name[..equals]} takes no value; write '--{name[..equals]}', not '{arg}'."
                    : $"write '--{name[..equals]} {name[(equals + 1)..]}', not '{arg}': an option takes its value as the next argument.");
            if (values.ContainsKey(name)) throw new UsageException($"option --{name} is given twice.");
            if (flags.Contains(name)) { values[name] = null; continue; }
            // Reported when the option is read, so that an unknown option is called unknown rather than valueless.
            if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal)) { values[name] = null; missingValue.Add(name); continue; }
            values[name] = args[++i];
        }
    }

    public bool Has(string name) { used.Add(name); return values.ContainsKey(name); }

    public string? String(string name)
    {
        used.Add(name);
        if (missingValue.Contains(name)) throw new UsageException($"option --{name} needs a value.");
        string? value = values.GetValueOrDefault(name);
        return value is "" ? throw new UsageException($"--{name} is empty.") : value;
    }

    public string Required(string name) => String(name) ?? throw new UsageException($"--{name} is required.");

    /// <summary>A whole number of at least <paramref name="min"/>, or null when the option is absent.</summary>
    public int? Int(string name, int min = int.MinValue) => Whole(name, min);

    public long? Long(string name, long min = long.MinValue) => Whole(name, min);

    public double? Double(string name) =>
        Parse<double>(name, text => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v : (double?)null,
              "a finite number");

    public long[]? LongList(string name)
    {
        string? text = String(name);
        if (text is null) return null;
        var items = text.Split(',', StringSplitOptions.RemoveEmptyEntries);
        var result = new long[items.Length];
        for (int i = 0; i < items.Length; i++)
            if (!long.TryParse(items[i], NumberStyles.None, CultureInfo.InvariantCulture, out result[i]))
                throw new UsageException($"--{name} must be a comma-separated list of whole numbers, got '{text}'.");
        return result;
    }

    /// <summary>Call after reading every option: an option nobody asked for is a typo, not something to ignore.</summary>
    public void RejectUnknown()
    {
        var unknown = values.Keys.Where(k => !used.Contains(k)).Select(k => $"'--{k}'").ToList();
        if (unknown.Count > 0)
            throw new UsageException($"unknown option{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown)}.");
    }

    private T? Whole<T>(string name, T min) where T : struct, IBinaryInteger<T>, IMinMaxValue<T> =>
        Parse<T>(name, text => T.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out T v) && v >= min ? v : null,
              min == T.MinValue ? "a whole number" : $"a whole number of at least {min}");

    private T? Parse<T>(string name, Func<string, T?> parse, string expected) where T : struct
    {
        string? text = String(name);
        if (text is null) return null;
        return parse(text) ?? throw new UsageException($"--{name} must be {expected}, got '{text}'.");
    }
}
