import Foundation

/// Keras' `ProgbarLogger`: one line per epoch, redrawn in place:
/// `Epoch 1/5` then `1875/1875 ━━━━━━━━━━━━━━━━━━━━ 4s 2ms/step - accuracy: 0.9512 - loss: 0.1630 - 14,600 samples/s`.
public final class ProgressBar: Callback {
    let output: FileHandle
    let interactive: Bool
    private var epochStart = Date()
    private var lastDraw = Date.distantPast

    /// `interactive` redraws the line in place; otherwise only the epoch's final line is written.
    public init(output: FileHandle = .standardOutput, interactive: Bool = isatty(STDOUT_FILENO) != 0) {
        self.output = output
        self.interactive = interactive
    }

    public func epochBegan(_ epoch: Int, _ context: TrainingContext) {
        write("Epoch \(epoch)/\(context.epochs)\n")
        epochStart = Date()
        lastDraw = .distantPast
    }

    public func batchEnded(_ step: Int, logs: [String: Double], _ context: TrainingContext) {
        guard interactive else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 || step == context.stepsPerEpoch else { return }
        lastDraw = now
        write("\r" + line(step: step, logs: logs, context: context, final: false) + "\u{1B}[K")
    }

    public func epochEnded(_ epoch: Int, logs: [String: Double], seconds: Double, _ context: TrainingContext) {
        write((interactive ? "\r" : "") + line(step: context.stepsPerEpoch, logs: logs, context: context, final: true)
              + (interactive ? "\u{1B}[K\n" : "\n"))
    }

    func line(step: Int, logs: [String: Double], context: TrainingContext, final: Bool) -> String {
        let total = context.stepsPerEpoch
        let elapsed = Date().timeIntervalSince(epochStart)
        let width = 20
        let filled = total > 0 ? min(width, step * width / total) : width
        let bar = String(repeating: "━", count: filled) + String(repeating: "─", count: width - filled)
        let perStep = step > 0 ? elapsed / Double(step) : 0
        let timing = final
            ? "\(Int(elapsed.rounded()))s \(ProgressBar.duration(perStep))/step"
            : "\(Int((perStep * Double(total - step)).rounded()))s ETA"
        let samples = Double(min(step * context.batchSize, context.samples))
        let rate = elapsed > 0 ? Int(samples / elapsed) : 0
        let metrics = logs.keys.sorted().map { String(format: " - %@: %.4f", $0, logs[$0]!) }.joined()
        return "\(String(repeating: " ", count: String(total).count - String(step).count))\(step)/\(total) \(bar) "
            + timing + metrics + " - \(rate) samples/s"
    }

    static func duration(_ seconds: Double) -> String {
        seconds >= 1 ? String(format: "%.0fs", seconds)
            : seconds >= 0.001 ? String(format: "%.0fms", seconds * 1000) : String(format: "%.0fus", seconds * 1e6)
    }

    func write(_ text: String) { output.write(Data(text.utf8)) }
}
