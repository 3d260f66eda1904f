import Foundation
import NeuralNet

/// Plain-text tables for list output: a header row, columns padded to
/// their widest cell, numbers right-aligned.
enum TableOutput {
    static func render(_ headers: [String], _ rows: [[String]]) -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        let numeric = headers.indices.map { column in
            let cells = rows.compactMap { column < $0.count ? $0[column] : nil }.filter { !$0.isEmpty && $0 != "-" }
            return !cells.isEmpty && cells.allSatisfy { Double($0) != nil }
        }
        func line(_ cells: [String]) -> String {
            cells.prefix(widths.count).enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return numeric[index] ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    static func print(_ headers: [String], _ rows: [[String]]) {
        Swift.print(render(headers, rows), terminator: "")
    }

    /// A JSON value as a table cell: numbers compact, null as "-".
    static func cell(_ value: JSONValue?) -> String {
        switch value {
        case .string(let text)?: return text
        case .number(let number)?:
            if number == number.rounded(), abs(number) < 1e15 { return String(Int(number)) }
            return String(format: "%.4g", number)
        case .bool(let flag)?: return flag ? "yes" : "no"
        case .array(let items)?: return items.map { cell($0) }.joined(separator: ",")
        case .object?: return String(decoding: value!.serialized(), as: UTF8.self)
        case .null?, nil: return "-"
        }
    }

    /// Bytes as B, KiB, MiB, GiB.
    static func size(_ bytes: Int?) -> String {
        guard let bytes else { return "-" }
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// An ISO 8601 time shortened to "YYYY-MM-DD HH:MM:SS".
    static func time(_ value: JSONValue?) -> String {
        guard let text = value?.string else { return "-" }
        return text.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "")
    }

    /// Key: value lines for the scalar fields of an object, in `order` then the rest sorted.
    static func fields(_ object: JSONValue, order: [String], skip: Set<String> = []) -> String {
        let dictionary = object.object ?? [:]
        let rest = dictionary.keys.filter { !order.contains($0) && !skip.contains($0) }.sorted()
        let keys = (order.filter { dictionary[$0] != nil } + rest).filter { key in
            switch dictionary[key] {
            case .array?, .object?: return false
            default: return true
            }
        }
        let width = keys.map(\.count).max() ?? 0
        return keys.map { key in
            key + ":" + String(repeating: " ", count: width - key.count + 1) + (key.hasSuffix("_at") ? time(dictionary[key]) : cell(dictionary[key]))
        }.joined(separator: "\n") + "\n"
    }
}
