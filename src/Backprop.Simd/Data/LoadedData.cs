namespace Backprop.Simd.Data;

/// <summary>What <see cref="DataSource.Load"/> found: a training set and, when the source has one, a test set.</summary>
/// <param name="Train">The training samples.</param>
/// <param name="Test">The test samples with the training set's classes, or null.</param>
public sealed record LoadedData(Dataset Train, Dataset? Test)
{
    /// <summary>
    /// The training set and the set to evaluate on: the test set when there is one, otherwise a stratified validation
    /// split of the training set (<see cref="StratifiedSplit.Split"/>).
    /// </summary>
    /// <param name="validationFraction">The share held out when there is no test set, in (0, 1).</param>
    /// <param name="seed">The split seed.</param>
    public DatasetPair WithHeldOut(double validationFraction, ulong seed) =>
        Test is null ? StratifiedSplit.Split(Train, validationFraction, seed) : new DatasetPair(Train, Test);
}
