import Foundation
import Platform

/// How entities appear in API answers (snake_case keys, ISO 8601 times).
extension Date {
    var iso8601: JSON { .string(ISO8601DateFormatter().string(from: self)) }
}

extension Optional where Wrapped == Double {
    var json: JSON { map { .number($0) } ?? .null }
}

extension Tenant {
    var json: JSON { ["id": .string(id), "name": .string(name), "created_at": createdAt.iso8601] }
}

extension APIKey {
    var json: JSON {
        ["prefix": .string(prefix), "tenant": .string(tenantID), "admin": .bool(isAdmin), "created_at": createdAt.iso8601,
         "revoked_at": revokedAt?.iso8601 ?? .null]
    }
}

extension Dataset {
    var json: JSON {
        ["id": .string(id), "name": .string(name), "format": .string(format), "rows": .number(Double(rows)),
         "bytes": .number(Double(bytes)), "sha256": .string(sha256), "created_at": createdAt.iso8601,
         "schema": .array(schema.map { column in
             ["name": .string(column.name), "type": .string(column.type.rawValue), "missing": .number(Double(column.missing)),
              "min": column.min.json, "max": column.max.json, "mean": column.mean.json,
              "distinct": .number(Double(column.distinct))]
         })]
    }
}

extension Job {
    var json: JSON {
        var object: [String: JSON] = [
            "id": .string(id), "status": .string(status.rawValue), "progress": .number(progress),
            "history": .array(history.map { .object($0) }), "metrics": metrics.map { .object($0) } ?? .null,
            "error": error.map { .string($0) } ?? .null,
            "model": model.map { ["name": .string($0.name), "version": .number(Double($0.version))] } ?? .null,
            "dataset": .string(request.dataset), "register_as": .string(request.registerAs),
            "epochs": .number(Double(request.training.epochs)), "attempts": .number(Double(attempts)),
            "created_at": createdAt.iso8601, "started_at": startedAt?.iso8601 ?? .null,
            "finished_at": finishedAt?.iso8601 ?? .null,
        ]
        if let checkpoint { object["checkpoint_epoch"] = .number(Double(checkpoint.epoch)) }
        return .object(object)
    }
}

extension ModelVersion {
    var summary: JSON {
        ["name": .string(name), "version": .number(Double(version)), "created_at": createdAt.iso8601,
         "metrics": .object(metrics)]
    }

    var json: JSON {
        ["name": .string(name), "version": .number(Double(version)), "created_at": createdAt.iso8601,
         "spec": spec, "metrics": .object(metrics),
         "lineage": ["dataset": .string(lineage.datasetID), "dataset_sha256": .string(lineage.datasetSHA256),
                     "job": .string(lineage.jobID), "seed": .number(Double(lineage.seed)),
                     "orchard_version": .string(lineage.orchardVersion)],
         "files": .object(files.mapValues { .string($0) })]
    }
}

extension Deployment {
    var json: JSON {
        func split(_ traffic: [Int: Int]) -> JSON {
            .object(Dictionary(uniqueKeysWithValues: traffic.map { (String($0.key), JSON.number(Double($0.value))) }))
        }
        return ["name": .string(name), "model": .string(model), "version": .number(Double(primaryVersion)),
                "traffic": split(traffic), "previous_traffic": previousTraffic.map(split) ?? .null,
                "replicas": .number(Double(replicas)), "max_batch_size": .number(Double(maxBatchSize)),
                "max_queue_delay_ms": .number(maxQueueDelayMilliseconds), "created_at": createdAt.iso8601,
                "updated_at": updatedAt.iso8601]
    }
}

extension AuditEvent {
    var json: JSON {
        ["id": .string(id), "time": time.iso8601, "tenant": tenantID.map { .string($0) } ?? .null,
         "key_prefix": keyPrefix.map { .string($0) } ?? .null, "admin": .bool(admin), "method": .string(method),
         "path": .string(path), "status": .number(Double(status)), "remote_address": remoteAddress.map { .string($0) } ?? .null,
         "message": message.map { .string($0) } ?? .null]
    }
}
