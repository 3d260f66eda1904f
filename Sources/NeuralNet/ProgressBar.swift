import Foundation

/// Keras' `ProgbarLogger`: one line per epoch, redrawn in place:
/// `Epoch 1/5` then `1875/1875 ━━━━━━━━━━━━━━━━━━━━ 4s 2ms/step - accuracy: 0.9512 - loss: 0.1630 - 14,600 samples/s`.
public final class ProgressBar: Callback {
    let output: FileHandle
    public let interactive: Bool
    private var epochStart = Date()
    private var lastDraw = Date.distantPast

    /// `interactive` redraws the line in place; otherwise only the epoch's final line is written.
    public init(output: FileHandle = .standardOutput, interactive: Bool = isatty(STDOUT_FILENO) != 0) {
        self.output = output
        self.interactive = interactive
    }

    public func epochBegan(_ epoch: Int, _ context: TrainingContext) {
        beginEpoch(epoch, of: context.epochs)
    }

    public func batchEnded(_ step: Int, logs: [String: Double], _ context: TrainingContext) {
        drawStep(step, of: context.stepsPerEpoch, logs: logs, batchSize: context.batchSize, samples: context.samples)
    }

    public func epochEnded(_ epoch: Int, logs: [String: Double], seconds: Double, _ context: TrainingContext) {
        finishEpoch(steps: context.stepsPerEpoch, logs: logs, batchSize: context.batchSize, samples: context.samples)
    }

    // The same drawing for progress that arrives from elsewhere (a service
    // job's events): times and sizes are passed in, not read from a trainer.

    /// Writes `Epoch i/n`; the epoch's clock starts at `time`.
    public func beginEpoch(_ epoch: Int, of epochs: Int, at time: Date = Date()) {
        write("Epoch \(epoch)/\(epochs)\n")
        epochStart = time
        lastDraw = .distantPast
    }

    /// Redraws the bar after `step` of `steps` (interactive only, at most every 0.1 s of `time`).
    /// Without `batchSize` the line has no samples/s.
    public func drawStep(_ step: Int, of steps: Int, logs: [String: Double], batchSize: Int?, samples: Int?, at time: Date = Date()) {
        guard interactive else { return }
        guard time.timeIntervalSince(lastDraw) >= 0.1 || step == steps else { return }
        lastDraw = time
        let elapsed = time.timeIntervalSince(epochStart)
        write("\r" + line(step: step, total: steps, logs: logs, batchSize: batchSize, samples: samples, elapsed: elapsed, final: false)
              + "\u{1B}[K")
    }

    /// The epoch's final line; `seconds` overrides the time since `beginEpoch`.
    public func finishEpoch(steps: Int, logs: [String: Double], batchSize: Int?, samples: Int?, seconds: Double? = nil) {
        let elapsed = seconds ?? Date().timeIntervalSince(epochStart)
        write((interactive ? "\r" : "")
              + line(step: steps, total: steps, logs: logs, batchSize: batchSize, samples: samples, elapsed: elapsed, final: true)
              + (interactive ? "\u{1B}[K\n" : "\n"))
    }

    /// Ends a partly drawn line (before other output interrupts the bar).
    public func interrupt() {
        if interactive { write("\n") }
    }

    func line(step: Int, total: Int, logs: [String: Double], batchSize: Int?, samples: Int?, elapsed: Double, final: Bool) -> String {
        let width = 20
        let filled = total > 0 ? min(width, step * width / total) : width
        let bar = String(repeating: "━", count: filled) + String(repeating: "─", count: width - filled)
        let perStep = step > 0 ? elapsed / Double(step) : 0
        let timing = final
            ? "\(Int(elapsed.rounded()))s \(ProgressBar.duration(perStep))/step"
            : "\(Int((perStep * Double(total - step)).rounded()))s ETA"
        var rate = ""
        if let batchSize {
            let seen = Double(min(step * batchSize, samples ?? Int.max))
            rate = " - \(elapsed > 0 ? Int(seen / elapsed) : 0) samples/s"
        }
        let metrics = logs.keys.sorted().map { String(format: " - %@: %.4f", $0, logs[$0]!) }.joined()
        return "\(String(repeating: " ", count: max(0, String(total).count - String(step).count)))\(step)/\(total) \(bar) "
            + timing + metrics + rate
    }

    static func duration(_ seconds: Double) -> String {
        seconds >= 1 ? String(format: "%.0fs", seconds)
            : seconds >= 0.001 ? String(format: "%.0fms", seconds * 1000) : String(format: "%.0fus", seconds * 1e6)
    }

    func write(_ text: String) { output.write(Data(text.utf8)) }
}
