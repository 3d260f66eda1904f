// The preprocessing recipe of a tabular model: per feature column, how to
// impute blanks, encode text and scale numbers. `fit` learns the statistics
// from training data; `transform` replays them on raw rows (strings and
// blanks) at prediction time, so callers never reimplement preprocessing.
//
// Output columns follow the input order; a one-hot column expands in place
// into one column per category (sorted, as scikit-learn's OneHotEncoder).

public struct TabularRecipe: Codable, Equatable, Sendable {
    public enum Scaling: String, Codable, Sendable, CaseIterable {
        case standard, minmax
    }

    public enum Imputation: String, Codable, Sendable, CaseIterable {
        case mean, median, mostFrequent = "most_frequent"
    }

    public enum Encoding: String, Codable, Sendable, CaseIterable {
        case onehot, ordinal
    }

    public struct Options: Sendable {
        public var scaling: Scaling?
        public var imputation: Imputation?
        public var encoding: Encoding?

        public init(scaling: Scaling? = nil, imputation: Imputation? = nil, encoding: Encoding? = nil) {
            self.scaling = scaling
            self.imputation = imputation
            self.encoding = encoding
        }
    }

    public struct Column: Codable, Equatable, Sendable {
        public var name: String
        public var kind: TabularColumn.Kind
        /// Replaces a blank: a number (numeric, or ordinal code) or a category.
        public var fillNumber: Double?
        public var fillCategory: String?
        public var encoding: Encoding?
        /// Known categories, sorted; one-hot width, ordinal codes 0…
        public var categories: [String]?
        /// value → (value - offset) / divisor
        public var offset: Double
        public var divisor: Double

        enum CodingKeys: String, CodingKey {
            case name, kind, encoding, categories, offset, divisor
            case fillNumber = "fill_number", fillCategory = "fill_category"
        }

        var width: Int { encoding == .onehot ? categories?.count ?? 0 : 1 }
    }

    public var target: String?
    public var scaling: Scaling?
    public var imputation: Imputation?
    public var columns: [Column]

    /// Names of the output features (one-hot columns as `name=category`).
    public var outputNames: [String] {
        columns.flatMap { column -> [String] in
            column.encoding == .onehot ? (column.categories ?? []).map { "\(column.name)=\($0)" } : [column.name]
        }
    }

    public var outputWidth: Int { columns.reduce(0) { $0 + $1.width } }

    /// Learns the recipe from the feature columns of `table` (the target, if named, is left out).
    public static func fit(_ table: TabularTable, target: String?, options: Options) throws -> TabularRecipe {
        var columns: [Column] = []
        for source in table.columns where source.name != target {
            var column = Column(name: source.name, kind: source.kind, offset: 0, divisor: 1)
            let missing = (0..<table.rowCount).filter(source.isMissing)
            if !missing.isEmpty && options.imputation == nil {
                throw RecipeError.missingValues(path: table.source, column: source.name, count: missing.count,
                                                firstRow: missing[0] + 1)
            }
            switch source.kind {
            case .numeric:
                let present = source.numbers.filter { !$0.isNaN }
                guard !present.isEmpty else {
                    throw RecipeError.emptyColumn(path: table.source, column: source.name)
                }
                if !missing.isEmpty, let imputation = options.imputation {
                    column.fillNumber = statistic(imputation, present)
                }
                let filled = missing.isEmpty ? present : source.numbers.map { $0.isNaN ? column.fillNumber! : $0 }
                (column.offset, column.divisor) = scale(options.scaling, filled)
            case .text:
                guard let encoding = options.encoding else {
                    let example = source.texts.enumerated().first { cell in
                        cell.element.map { Double($0) == nil } ?? false
                    }
                    throw RecipeError.textWithoutEncoder(path: table.source, column: source.name,
                                                         example: example?.element ?? "", row: (example?.offset ?? 0) + 1)
                }
                column.encoding = encoding
                let present = source.texts.compactMap { $0 }
                guard !present.isEmpty else { throw RecipeError.emptyColumn(path: table.source, column: source.name) }
                column.categories = Array(Set(present)).sorted()
                if !missing.isEmpty {
                    // Text has no mean or median: blanks take the most frequent category.
                    column.fillCategory = mostFrequent(present)
                }
                if encoding == .ordinal {
                    let codes = try encodeOrdinal(column, table: table, source: source)
                    (column.offset, column.divisor) = scale(options.scaling, codes)
                }
            }
            columns.append(column)
        }
        guard !columns.isEmpty else { throw RecipeError.noFeatures(path: table.source) }
        return TabularRecipe(target: target, scaling: options.scaling, imputation: options.imputation, columns: columns)
    }

    /// Features (rows, outputWidth) row-major, in Double.
    public func transform(_ table: TabularTable) throws -> [Double] {
        let width = outputWidth
        var output = [Double](repeating: 0, count: table.rowCount * width)
        var start = 0
        for column in columns {
            let source = try table.column(named: column.name)
            switch (column.encoding, source.kind) {
            case (nil, .numeric), (nil, .text):
                guard source.kind == .numeric else {
                    let row = source.texts.firstIndex { $0 != nil && Double($0!) == nil } ?? 0
                    throw RecipeError.textInNumericColumn(path: table.source, column: column.name,
                                                          text: source.texts[row] ?? "", row: row + 1)
                }
                for row in 0..<table.rowCount {
                    var value = source.numbers[row]
                    if value.isNaN {
                        guard let fill = column.fillNumber else {
                            throw RecipeError.missingAtPrediction(path: table.source, column: column.name, row: row + 1)
                        }
                        value = fill
                    }
                    output[row * width + start] = (value - column.offset) / column.divisor
                }
            case (.ordinal, _):
                let codes = try Self.encodeOrdinal(column, table: table, source: source)
                for row in 0..<table.rowCount { output[row * width + start] = (codes[row] - column.offset) / column.divisor }
            case (.onehot, _):
                let index = Dictionary(uniqueKeysWithValues: (column.categories ?? []).enumerated().map { ($1, $0) })
                for row in 0..<table.rowCount {
                    guard let text = source.text(row) ?? column.fillCategory else {
                        throw RecipeError.missingAtPrediction(path: table.source, column: column.name, row: row + 1)
                    }
                    // Unknown categories encode as all zeros (handle_unknown="ignore").
                    if let position = index[text] { output[row * width + start + position] = 1 }
                }
            }
            start += column.width
        }
        return output
    }

    /// Ordinal codes of a text column; unknown categories are an error (they have no order).
    static func encodeOrdinal(_ column: Column, table: TabularTable, source: TabularColumn) throws -> [Double] {
        let index = Dictionary(uniqueKeysWithValues: (column.categories ?? []).enumerated().map { ($1, $0) })
        return try (0..<table.rowCount).map { row in
            guard let text = source.text(row) ?? column.fillCategory else {
                throw RecipeError.missingAtPrediction(path: table.source, column: column.name, row: row + 1)
            }
            guard let code = index[text] else {
                throw RecipeError.unknownCategory(path: table.source, column: column.name, value: text, row: row + 1,
                                                  known: column.categories ?? [])
            }
            return Double(code)
        }
    }

    static func statistic(_ imputation: Imputation, _ values: [Double]) -> Double {
        switch imputation {
        case .mean: return values.reduce(0, +) / Double(values.count)
        case .median:
            let sorted = values.sorted()
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        case .mostFrequent:
            // Ties go to the smallest value, as scikit-learn's SimpleImputer.
            var counts: [Double: Int] = [:]
            for value in values { counts[value, default: 0] += 1 }
            return counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }!.key
        }
    }

    static func mostFrequent(_ values: [String]) -> String {
        var counts: [String: Int] = [:]
        for value in values { counts[value, default: 0] += 1 }
        return counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }!.key
    }

    /// (offset, divisor) of a scaler; constant columns keep divisor 1, as scikit-learn.
    static func scale(_ scaling: Scaling?, _ values: [Double]) -> (Double, Double) {
        switch scaling {
        case nil: return (0, 1)
        case .standard:
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            let deviation = variance.squareRoot()
            return (mean, deviation > 0 ? deviation : 1)
        case .minmax:
            let low = values.min()!, high = values.max()!
            return (low, high > low ? high - low : 1)
        }
    }
}

/// Errors of fitting or replaying a recipe; each names the column and the fix.
public enum RecipeError: Error, CustomStringConvertible, Equatable, Sendable {
    case textWithoutEncoder(path: String, column: String, example: String, row: Int)
    case textInNumericColumn(path: String, column: String, text: String, row: Int)
    case missingValues(path: String, column: String, count: Int, firstRow: Int)
    case missingAtPrediction(path: String, column: String, row: Int)
    case unknownCategory(path: String, column: String, value: String, row: Int, known: [String])
    case emptyColumn(path: String, column: String)
    case noFeatures(path: String)

    public var description: String {
        switch self {
        case .textWithoutEncoder(let path, let column, let example, let row):
            return "\(path): column '\(column)' holds text ('\(example)' in data row \(row)); "
                + "encode it with --encode onehot or --encode ordinal, or remove the column"
        case .textInNumericColumn(let path, let column, let text, let row):
            return "\(path): column '\(column)' was numeric in training but data row \(row) holds '\(text)'; "
                + "send a number (or a blank, if the model imputes)"
        case .missingValues(let path, let column, let count, let row):
            return "\(path): column '\(column)' has \(count) empty cell\(count == 1 ? "" : "s") (first in data row \(row)); "
                + "impute them with --impute mean|median|most_frequent"
        case .missingAtPrediction(let path, let column, let row):
            return "\(path): column '\(column)' is empty in data row \(row) and the model was trained without imputation; "
                + "fill the cell or retrain with --impute"
        case .unknownCategory(let path, let column, let value, let row, let known):
            return "\(path): column '\(column)', data row \(row): category '\(value)' was not seen in training "
                + "(known: \(known.prefix(8).joined(separator: ", "))); ordinal encoding cannot place it — use --encode onehot"
        case .emptyColumn(let path, let column):
            return "\(path): column '\(column)' has no values at all; remove it"
        case .noFeatures(let path):
            return "\(path): no feature columns besides the target"
        }
    }
}
