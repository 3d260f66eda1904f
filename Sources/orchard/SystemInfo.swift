import ArgumentParser
import Tensor

struct SystemInfo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "system-info", abstract: "Show the kernels' instruction set and BLAS threads.")

    func run() {
        print("orchard \(OrchardVersion.current)")
        print("vector kernels: \(InstructionSet.active.rawValue) (detected \(InstructionSet.detected.rawValue))")
        print("threads: \(Parallel.threadCount) (OpenBLAS per call: \(BLAS.threadCount))")
    }
}
