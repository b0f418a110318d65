using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace Backprop.Cli.Options;

/// <summary>Range checks for numeric options, reported as bad usage with the option's name and the accepted range.</summary>
internal static class Bounds
{
    /// <summary>Rejects values below <paramref name="minimum"/>.</summary>
    public static Option<T> AtLeast<T>(this Option<T> option, T minimum) where T : INumber<T>
    {
        option.Validators.Add(result =>
        {
            if (!TryGetValue(result, out T value)) return;
            if (!(value >= minimum))
                result.AddError(Describe(option.Name, value) + " must be at least " + Format(minimum) + ".");
        });
        return option;
    }

    /// <summary>Rejects values outside the open interval (<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Option<double> Between(this Option<double> option, double low, double high)
    {
        option.Validators.Add(result =>
        {
            if (!TryGetValue(result, out double value)) return;
            if (!(value > low && value < high))
                result.AddError(Describe(option.Name, value) + " must be between " + Format(low) + " and " + Format(high)
                    + " (exclusive).");
        });
        return option;
    }

    /// <summary>Rejects NaN and infinity, which would otherwise reach the arithmetic of every step.</summary>
    public static Option<double> Finite(this Option<double> option)
    {
        option.Validators.Add(result =>
        {
            if (TryGetValue(result, out double value) && !double.IsFinite(value))
                result.AddError(Describe(option.Name, value) + " must be a finite number.");
        });
        return option;
    }

    /// <summary>When given, the value must be finite and above <paramref name="low"/> (or at least it, when inclusive).</summary>
    public static Option<double?> FiniteAbove(this Option<double?> option, double low, bool inclusive = false)
    {
        option.Validators.Add(result =>
        {
            if (!TryGetValue(result, out double? given) || given is not double value) return;
            if (!double.IsFinite(value) || !(inclusive ? value >= low : value > low))
                result.AddError(Describe(option.Name, value) + " must be a finite number " + (inclusive ? "of at least " : "above ")
                    + Format(low) + ".");
        });
        return option;
    }

    // A value that did not convert (e.g. "--epochs ten") already carries the parser's error; there is nothing to range-check.
    private static bool TryGetValue<T>(OptionResult result, out T value)
    {
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }

    private static string Describe<T>(string name, T value) where T : INumber<T> => name + " " + Format(value);

    private static string Format<T>(T value) where T : INumber<T> => value.ToString(null, CultureInfo.InvariantCulture);
}
