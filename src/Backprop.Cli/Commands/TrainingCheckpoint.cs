using Backprop.Simd.IO;
using Backprop.Simd.Training;

namespace Backprop.Cli.Commands;

/// <summary>
/// The run's resumable checkpoint at <c>--save</c>: parameters, optimizer state, the loop's place (epochs, steps into
/// an unfinished epoch, shuffling state) and the tool's metadata, written atomically, so an interruption during a
/// save leaves the previous checkpoint whole.
/// </summary>
internal sealed class TrainingCheckpoint(string path, Trainer<float> trainer, FitLoop<float> loop, ModelMetadata metadata)
{
    public string Path => path;

    public void Save() => ModelMapping.Save(path, trainer, loop.CompletedEpochs, trainer.StepCount, loop.ShuffleState.ToWords(),
        (metadata with { StepsIntoEpoch = loop.StepsIntoEpoch }).ToDictionary());
}
