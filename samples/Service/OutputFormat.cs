namespace Service;

/// <summary>A format the service answers in: the query's name, the file extension the library writes, the media type.</summary>
internal sealed record OutputFormat(string Extension, string ContentType)
{
    private static readonly Dictionary<string, OutputFormat> Named = new(StringComparer.OrdinalIgnoreCase)
    {
        ["png"] = new(".png", "image/png"),
        ["jpeg"] = new(".jpg", "image/jpeg"),
        ["jpg"] = new(".jpg", "image/jpeg"),
        ["webp"] = new(".webp", "image/webp"),
    };

    public static OutputFormat Png => Named["png"];

    public static bool TryParse(string name, out OutputFormat format) => Named.TryGetValue(name, out format!);
}
