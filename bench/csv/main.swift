// CSV parsing speed on a real file (default: the MNIST training CSV).
//   swift run -c release orchard-bench-csv [path] [threads]
import DataPrep
import Dispatch
import Foundation

let cache = ProcessInfo.processInfo.environment["ORCHARD_CACHE"] ?? NSHomeDirectory() + "/.cache/orchard"
let arguments = CommandLine.arguments
let path = arguments.count > 1 ? arguments[1] : cache + "/mnist/mnist_train.csv"
let threads = arguments.count > 2 ? Int(arguments[2]) : nil
guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
      let bytes = (attributes[.size] as? NSNumber)?.doubleValue else {
    fatalError("\(path) not found; run scripts/fetch-assets mnist")
}
var best = Double.infinity
var shape = (0, 0)
for _ in 0..<5 {
    let start = DispatchTime.now().uptimeNanoseconds
    let table = try CSVReader.readNumeric(path: path, threadCount: threads)
    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    shape = (table.rowCount, table.columnCount)
}
print(String(format: "%@: %d rows × %d columns, %.1f MB in %.3f s = %.0f MB/s (best of 5, file read included)",
             path, shape.0, shape.1, bytes / 1e6, best, bytes / 1e6 / best))
