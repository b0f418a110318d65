namespace Backprop.Simd.Training;

/// <summary>The optimizers of <c>torch.optim</c> that a <see cref="Trainer{T}"/> can run.</summary>
public enum OptimizerKind
{
    /// <summary><c>torch.optim.SGD</c>.</summary>
    Sgd,
    /// <summary><c>torch.optim.Adam</c>.</summary>
    Adam,
    /// <summary><c>torch.optim.AdamW</c>.</summary>
    AdamW,
    /// <summary><c>torch.optim.RMSprop</c>.</summary>
    RmsProp,
    /// <summary><c>torch.optim.Adagrad</c>.</summary>
    Adagrad,
    /// <summary><c>torch.optim.Rprop</c>, which is iRprop⁻ (Igel &amp; Hüsken): a full-batch method.</summary>
    Rprop,
    /// <summary>iRprop⁺ (Igel &amp; Hüsken): iRprop⁻ plus weight backtracking when the loss increased; full-batch.</summary>
    IRpropPlus,
}
