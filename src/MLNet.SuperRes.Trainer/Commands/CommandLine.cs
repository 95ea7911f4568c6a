using System.Globalization;

namespace MLNet.SuperRes.Trainer.Commands;

/// <summary>Thrown for a bad command line; the program prints the message and exits with code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>"--name value" and "--flag" options of one verb; every option must be known, every value well-formed.</summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, string?> values = new();
    private readonly HashSet<string> used = new();
    private readonly string verb;

    public CommandLine(string verb, string[] args, IReadOnlySet<string> flags)
    {
        this.verb = verb;
        for (int i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal)) throw new UsageException($"{verb}: unexpected argument '{arg}'.");
            var name = arg[2..];
            if (flags.Contains(name)) { values[name] = null; continue; }
            if (i + 1 >= args.Length) throw new UsageException($"{verb}: option --{name} needs a value.");
            values[name] = args[++i];
        }
    }

    public bool Has(string name) { used.Add(name); return values.ContainsKey(name); }

    public string? String(string name) { used.Add(name); return values.GetValueOrDefault(name); }

    public string Required(string name) => String(name) ?? throw new UsageException($"{verb}: --{name} is required.");

    public int? Int(string name) => Parse(name, s => int.Parse(s, CultureInfo.InvariantCulture));

    public long? Long(string name) => Parse(name, s => long.Parse(s, CultureInfo.InvariantCulture));

    public double? Double(string name) => Parse(name, s => double.Parse(s, CultureInfo.InvariantCulture));

    public long[]? LongList(string name) => Parse(name, s => s.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray());

    /// <summary>Call after reading every option: an option nobody asked for is a typo, not something to ignore.</summary>
    public void RejectUnknown()
    {
        var unknown = values.Keys.Where(k => !used.Contains(k)).ToList();
        if (unknown.Count > 0) throw new UsageException($"{verb}: unknown option(s) {string.Join(", ", unknown.Select(u => "--" + u))}.");
    }

    private T? Parse<T>(string name, Func<string, T> parse) where T : struct
    {
        var text = String(name);
        if (text is null) return null;
        try { return parse(text); }
        catch (FormatException) { throw new UsageException($"{verb}: --{name} '{text}' is not a valid value."); }
        catch (OverflowException) { throw new UsageException($"{verb}: --{name} '{text}' is out of range."); }
    }

    private T[]? Parse<T>(string name, Func<string, T[]> parse)
    {
        var text = String(name);
        if (text is null) return null;
        try { return parse(text); }
        catch (FormatException) { throw new UsageException($"{verb}: --{name} '{text}' is not a valid list."); }
    }
}
