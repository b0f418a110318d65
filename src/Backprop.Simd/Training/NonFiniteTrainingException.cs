namespace Backprop.Simd.Training;

/// <summary>
/// Training stopped because the loss or a gradient became NaN or infinite — then the step's optimizer update was not
/// applied: parameters and optimizer state are as they were before it — or because the update itself overflowed a
/// parameter (<see cref="NonFiniteQuantity.Parameters"/>), which is found in the update's own pass.
/// </summary>
public sealed class NonFiniteTrainingException : Exception
{
    /// <summary>Creates the exception for the first non-finite quantity found.</summary>
    /// <param name="quantity">What was non-finite.</param>
    /// <param name="layer">The first layer (0 = input side) where it was found, or −1 for the loss alone.</param>
    /// <param name="step">The optimizer step that was abandoned (the number of steps taken before it).</param>
    public NonFiniteTrainingException(NonFiniteQuantity quantity, int layer, long step)
        : base(Describe(quantity, layer, step))
    {
        Quantity = quantity;
        Layer = layer;
        Step = step;
    }

    /// <summary>What was non-finite.</summary>
    public NonFiniteQuantity Quantity { get; }

    /// <summary>The first layer where it was found, or −1 when only the loss was.</summary>
    public int Layer { get; }

    /// <summary>The optimizer step that was abandoned.</summary>
    public long Step { get; }

    private static string Describe(NonFiniteQuantity quantity, int layer, long step) => quantity switch
    {
        NonFiniteQuantity.Parameters => "The parameters of layer " + layer + " became NaN or infinite in the update of step "
            + step + " although the gradients were finite (an overflow); the update was applied, so restore a checkpoint.",
        NonFiniteQuantity.Loss => "The loss became NaN or infinite at step " + step + " while every activation was finite; the step was not applied.",
        _ => "The " + (quantity == NonFiniteQuantity.Activations ? "activations" : "gradients") + " of layer " + layer
            + " became NaN or infinite at step " + step + "; the step was not applied.",
    };
}
