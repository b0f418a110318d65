using System.Globalization;

namespace Backprop.Simd.Data;

/// <summary>
/// Maps label text to class indices while a CSV file is read, allocating a string only for each new class. Classes are
/// numbered in order of first appearance and renumbered once at the end: by value when every label is an integer,
/// otherwise in ordinal text order, so the numbering does not depend on the order of the rows.
/// </summary>
internal sealed class ClassTable
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly List<string> _names = [];
    private readonly bool _fixed;
    private readonly Dictionary<long, int>? _integerIds;

    /// <summary>A growing table for a training file.</summary>
    public ClassTable() => _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>A fixed table for a test file: only <paramref name="names"/> are accepted, with their indices.</summary>
    public ClassTable(IReadOnlyList<string> names) : this()
    {
        _fixed = true;
        bool allIntegers = true;
        for (int i = 0; i < names.Count; i++)
        {
            _ids[names[i]] = i;
            _names.Add(names[i]);
            allIntegers &= TryParseInteger(names[i], out _);
        }
        if (allIntegers)
        {
            _integerIds = [];
            for (int i = 0; i < names.Count; i++)
            {
                TryParseInteger(names[i], out long value);
                _integerIds[value] = i;
            }
        }
    }

    public int Count => _names.Count;

    /// <summary>The class index of <paramref name="label"/>, or −1 when the table is fixed and does not know it.</summary>
    public int GetOrAdd(ReadOnlySpan<char> label)
    {
        if (_lookup.TryGetValue(label, out int id)) return id;
        if (_fixed)
            return _integerIds is not null && TryParseInteger(label, out long value)
                && _integerIds.TryGetValue(value, out id) ? id : -1;
        id = _names.Count;
        string name = label.ToString();
        _names.Add(name);
        _ids.Add(name, id);
        return id;
    }

    /// <summary>
    /// Sorts the classes (see the type's summary), rewrites <paramref name="labels"/> to the sorted indices and returns
    /// the class names in that order. A fixed table keeps its order.
    /// </summary>
    public string[] Finish(Span<int> labels)
    {
        if (_fixed) return [.. _names];
        int count = _names.Count;
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        var values = new long[count];
        bool allIntegers = true;
        for (int i = 0; i < count && allIntegers; i++) allIntegers = TryParseInteger(_names[i], out values[i]);

        string[] names;
        if (allIntegers)
        {
            Array.Sort(values, order);
            names = MergeEqualIntegers(values, order, labels);
        }
        else
        {
            string[] keys = [.. _names];
            Array.Sort(keys, order, StringComparer.Ordinal);
            names = keys;
            RenumberLabels(order, labels);
        }
        return names;
    }

    /// <summary>"7" and "07" are one class; after sorting by value, equal values share the first one's index.</summary>
    private static string[] MergeEqualIntegers(long[] sortedValues, int[] order, Span<int> labels)
    {
        var newIndexOfOld = new int[order.Length];
        var names = new List<string>(order.Length);
        for (int i = 0; i < order.Length; i++)
        {
            if (i == 0 || sortedValues[i] != sortedValues[i - 1])
                names.Add(sortedValues[i].ToString(CultureInfo.InvariantCulture));
            newIndexOfOld[order[i]] = names.Count - 1;
        }
        for (int i = 0; i < labels.Length; i++) labels[i] = newIndexOfOld[labels[i]];
        return [.. names];
    }

    private static void RenumberLabels(int[] order, Span<int> labels)
    {
        var newIndexOfOld = new int[order.Length];
        for (int i = 0; i < order.Length; i++) newIndexOfOld[order[i]] = i;
        for (int i = 0; i < labels.Length; i++) labels[i] = newIndexOfOld[labels[i]];
    }

    private static bool TryParseInteger(ReadOnlySpan<char> text, out long value) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}
