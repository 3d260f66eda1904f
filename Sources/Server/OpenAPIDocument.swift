/// The OpenAPI 3.1 description of /api/v1, served at `GET /openapi.yaml`.
/// Kept by hand; `OpenAPIDocumentTests` checks every registered route is here.
enum OpenAPIDocument {
    static let yaml = #"""
openapi: 3.1.0
info:
  title: Orchard management API
  version: "1"
  description: >-
    Datasets, training jobs, model registry and deployments. Every route needs `Authorization: Bearer KEY`.
    Any route may also answer 413 (a body over the server's limit) and 429 with `Retry-After` (the tenant's
    request rate, or for predictions its inference concurrency, is over the limits `orchard serve` was given),
    each with the Error body.
security:
  - bearer: []
paths:
  /api/v1/tenants:
    get:
      operationId: listTenants
      summary: "Tenants (admin)"
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/TenantList'
        "401":
          $ref: '#/components/responses/Error'
        "403":
          $ref: '#/components/responses/Error'
    post:
      operationId: createTenant
      summary: "Create a tenant (admin)"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/TenantCreate'
      responses:
        "201":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Tenant'
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "403":
          $ref: '#/components/responses/Error'
        "409":
          $ref: '#/components/responses/Error'
  /api/v1/tenants/{id}/keys:
    parameters:
      - name: id
        in: path
        required: true
        schema:
          type: string
    post:
      operationId: createKey
      summary: "Create an API key for the tenant, shown once (admin); keys of the tenant 'admin' are admin keys"
      responses:
        "201":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/CreatedKey'
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "403":
          $ref: '#/components/responses/Error'
        "404":
          $ref: '#/components/responses/Error'
  /api/v1/keys:
    get:
      operationId: listKeys
      summary: "API keys by prefix (admin)"
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/KeyList'
        "401":
          $ref: '#/components/responses/Error'
        "403":
          $ref: '#/components/responses/Error'
  /api/v1/keys/{prefix}:
    parameters:
      - name: prefix
        in: path
        required: true
        schema:
          type: string
    delete:
      operationId: revokeKey
      summary: "Revoke keys with this prefix (admin); 409 when no active admin key would be left"
      responses:
        "204":
          description: done
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "403":
          $ref: '#/components/responses/Error'
        "404":
          $ref: '#/components/responses/Error'
        "409":
          $ref: '#/components/responses/Error'
  /api/v1/audit:
    get:
      operationId: listAuditEvents
      summary: "Audit log, newest first: changes through /api/v1 (POST, PUT, PATCH, DELETE; predictions excepted), 401 and 403 refusals. An admin reads every tenant's (or one with `tenant`, '-' for callers without a valid key); a tenant key its own tenant's."
      parameters:
        - {name: tenant, in: query, required: false, schema: {type: string}}
        - {name: limit, in: query, required: false, schema: {type: integer, minimum: 1, maximum: 1000, default: 100}}
        - {name: before, in: query, required: false, description: "an event id: the page of events older than it (the previous answer's `next`)", schema: {type: string, pattern: '^aud_'}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/AuditPage'
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "403":
          $ref: '#/components/responses/Error'
  /api/v1/datasets:
    post:
      operationId: uploadDataset
      summary: "Upload a dataset (raw body or multipart/form-data)"
      parameters:
        - name: name
          in: query
          description: "required unless a multipart body carries a 'name' field"
          schema:
            type: string
            minLength: 1
        - name: format
          in: query
          schema:
            type: string
            enum: [csv, jsonl]
      requestBody:
        required: true
        content:
          text/csv:
            schema:
              type: string
          application/octet-stream:
            schema:
              type: string
          multipart/form-data:
            schema:
              type: object
              properties:
                file:
                  type: string
                  contentMediaType: application/octet-stream
      responses:
        "201":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Dataset'
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "413":
          $ref: '#/components/responses/Error'
    get:
      operationId: listDatasets
      summary: "Datasets of the caller's tenant"
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/DatasetList'
        "401":
          $ref: '#/components/responses/Error'
  /api/v1/datasets/{id}:
    parameters:
      - name: id
        in: path
        required: true
        schema:
          type: string
    get:
      operationId: getDataset
      summary: "A dataset with its schema"
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Dataset'
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "404":
          $ref: '#/components/responses/Error'
    delete:
      operationId: deleteDataset
      summary: "Delete a dataset (409 while a job uses it)"
      responses:
        "204":
          description: done
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "404":
          $ref: '#/components/responses/Error'
        "409":
          $ref: '#/components/responses/Error'
  /api/v1/datasets/{id}/preview:
    parameters:
      - name: id
        in: path
        required: true
        schema:
          type: string
    get:
      operationId: previewDataset
      summary: "The first rows"
      parameters:
        - name: limit
          in: query
          schema:
            type: integer
            minimum: 0
            maximum: 1000
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Preview'
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "404":
          $ref: '#/components/responses/Error'
  /api/v1/jobs:
    post:
      operationId: createJob
      summary: "Queue a training job"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/JobCreate'
      responses:
        "201":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/JobQueued'
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
    get:
      operationId: listJobs
      summary: "Jobs of the caller's tenant"
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/JobList'
        "401":
          $ref: '#/components/responses/Error'
  /api/v1/jobs/{id}:
    parameters:
      - name: id
        in: path
        required: true
        schema:
          type: string
    get:
      operationId: getJob
      summary: "A job with progress, history and metrics"
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Job'
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "404":
          $ref: '#/components/responses/Error'
  /api/v1/jobs/{id}/events:
    parameters:
      - name: id
        in: path
        required: true
        schema:
          type: string
    get:
      operationId: jobEvents
      summary: "Server-Sent Events: past events, then live ones"
      responses:
        "200":
          description: events
          content:
            text/event-stream:
              schema:
                type: string
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "404":
          $ref: '#/components/responses/Error'
  /api/v1/jobs/{id}/logs:
    parameters:
      - name: id
        in: path
        required: true
        schema:
          type: string
    get:
      operationId: jobLogs
      summary: "The job's log as text"
      responses:
        "200":
          description: log lines
          content:
            text/plain:
              schema:
                type: string
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "404":
          $ref: '#/components/responses/Error'
  /api/v1/jobs/{id}/cancel:
    parameters:
      - name: id
        in: path
        required: true
        schema:
          type: string
    post:
      operationId: cancelJob
      summary: "Cancel a queued or running job"
      responses:
        "202":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Job'
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "404":
          $ref: '#/components/responses/Error'
  /api/v1/models:
    get:
      operationId: listModels
      summary: "Registered models"
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/ModelList'
        "401":
          $ref: '#/components/responses/Error'
  /api/v1/models/{name}:
    parameters:
      - name: name
        in: path
        required: true
        schema:
          type: string
    get:
      operationId: getModel
      summary: "A model's versions"
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Model'
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "404":
          $ref: '#/components/responses/Error'
  /api/v1/models/{name}/versions/{version}:
    parameters:
      - name: name
        in: path
        required: true
        schema:
          type: string
      - name: version
        in: path
        required: true
        schema:
          type: string
    get:
      operationId: getModelVersion
      summary: "A version: spec, metrics, lineage"
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/ModelVersion'
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "404":
          $ref: '#/components/responses/Error'
    delete:
      operationId: deleteModelVersion
      summary: "Delete a version (409 while deployed)"
      responses:
        "204":
          description: done
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "404":
          $ref: '#/components/responses/Error'
        "409":
          $ref: '#/components/responses/Error'
  /api/v1/models/{name}/versions/{version}/artifact:
    parameters:
      - name: name
        in: path
        required: true
        schema:
          type: string
      - name: version
        in: path
        required: true
        schema:
          type: string
    get:
      operationId: getModelArtifact
      summary: "The saved-model directory as a tar"
      responses:
        "200":
          description: tar archive
          content:
            application/x-tar:
              schema:
                type: string
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "404":
          $ref: '#/components/responses/Error'
  /api/v1/pretrained:
    post:
      operationId: registerPretrained
      summary: "Load a GGUF chat model or a sentence-embedding folder and serve it on the OpenAI routes; kept across restarts (admin)"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/PretrainedCreate'
      responses:
        "201":
          description: loaded
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Pretrained'
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "403":
          $ref: '#/components/responses/Error'
        "409":
          $ref: '#/components/responses/Error'
    get:
      operationId: listPretrained
      summary: "Pretrained models, from the command line and registered (admin)"
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/PretrainedList'
        "401":
          $ref: '#/components/responses/Error'
        "403":
          $ref: '#/components/responses/Error'
  /api/v1/pretrained/{name}:
    parameters:
      - name: name
        in: path
        required: true
        schema:
          type: string
    get:
      operationId: getPretrained
      summary: "A pretrained model: status, slots, memory (admin)"
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Pretrained'
        "401":
          $ref: '#/components/responses/Error'
        "403":
          $ref: '#/components/responses/Error'
        "404":
          $ref: '#/components/responses/Error'
    delete:
      operationId: unloadPretrained
      summary: "Stop serving a pretrained model (requests in progress finish) and forget its registration (admin)"
      responses:
        "204":
          description: done
        "401":
          $ref: '#/components/responses/Error'
        "403":
          $ref: '#/components/responses/Error'
        "404":
          $ref: '#/components/responses/Error'
  /api/v1/deployments:
    post:
      operationId: createDeployment
      summary: "Deploy a model version"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/DeploymentCreate'
      responses:
        "201":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Deployment'
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "409":
          $ref: '#/components/responses/Error'
    get:
      operationId: listDeployments
      summary: "Deployments of the caller's tenant"
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/DeploymentList'
        "401":
          $ref: '#/components/responses/Error'
  /api/v1/deployments/{name}:
    parameters:
      - name: name
        in: path
        required: true
        schema:
          type: string
    get:
      operationId: getDeployment
      summary: "A deployment"
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Deployment'
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "404":
          $ref: '#/components/responses/Error'
    patch:
      operationId: updateDeployment
      summary: "Change version, traffic split, sizing, or roll back"
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/DeploymentPatch'
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Deployment'
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "404":
          $ref: '#/components/responses/Error'
    delete:
      operationId: deleteDeployment
      summary: "Remove a deployment"
      responses:
        "204":
          description: done
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "404":
          $ref: '#/components/responses/Error'
  /api/v1/deployments/{name}/predict:
    parameters:
      - name: name
        in: path
        required: true
        schema:
          type: string
    post:
      operationId: predict
      summary: "Predict CSV rows of raw features, or one PNG image"
      description: >-
        A PNG is decoded (any color type and bit depth, interlaced or not), made gray by
        BT.601 luma or kept in color to match the model's channels (alpha composited over
        black), resampled with a box filter when its size differs from the model's input,
        and rescaled as the model's preprocessing records.
      requestBody:
        required: true
        content:
          text/csv:
            schema:
              type: string
          image/png:
            schema:
              type: string
              format: binary
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/CSVPrediction'
        "400":
          $ref: '#/components/responses/Error'
        "401":
          $ref: '#/components/responses/Error'
        "404":
          $ref: '#/components/responses/Error'
        "415":
          $ref: '#/components/responses/Error'
components:
  securitySchemes:
    bearer:
      type: http
      scheme: bearer
  responses:
    Error:
      description: error
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
  schemas:
    Error:
      type: object
      required: [error]
      properties:
        error: {type: string}
        field: {type: string}
    Tenant:
      type: object
      properties:
        id: {type: string}
        name: {type: string}
        created_at: {type: string, format: date-time}
    ResourceName:
      type: string
      minLength: 1
      maxLength: 128
      pattern: '^[A-Za-z0-9._-]+$'
    TenantCreate:
      type: object
      required: [name]
      additionalProperties: false
      properties:
        name: {$ref: '#/components/schemas/ResourceName'}
    TenantList:
      type: object
      properties:
        tenants: {type: array, items: {$ref: '#/components/schemas/Tenant'}}
    CreatedKey:
      type: object
      properties:
        key: {type: string}
        prefix: {type: string}
        tenant: {type: string}
    AuditPage:
      type: object
      properties:
        events:
          type: array
          items:
            type: object
            properties:
              id: {type: string}
              time: {type: string}
              tenant: {type: [string, "null"]}
              key_prefix: {type: [string, "null"]}
              admin: {type: boolean}
              method: {type: string}
              path: {type: string}
              status: {type: integer}
              remote_address: {type: [string, "null"]}
              message: {type: [string, "null"]}
        next: {type: [string, "null"]}
    KeyList:
      type: object
      properties:
        keys:
          type: array
          items:
            type: object
            properties:
              prefix: {type: string}
              tenant: {type: string}
              admin: {type: boolean}
              created_at: {type: string}
              revoked_at: {type: [string, "null"]}
    Column:
      type: object
      properties:
        name: {type: string}
        type: {type: string, enum: [integer, number, string, empty]}
        missing: {type: integer}
        min: {type: [number, "null"]}
        max: {type: [number, "null"]}
        mean: {type: [number, "null"]}
        distinct: {type: integer}
    Dataset:
      type: object
      properties:
        id: {type: string}
        name: {type: string}
        format: {type: string}
        rows: {type: integer}
        bytes: {type: integer}
        sha256: {type: string}
        created_at: {type: string}
        schema: {type: array, items: {$ref: '#/components/schemas/Column'}}
    DatasetList:
      type: object
      properties:
        datasets: {type: array, items: {$ref: '#/components/schemas/Dataset'}}
    Preview:
      type: object
      properties:
        columns: {type: array, items: {type: string}}
        rows: {type: array, items: {type: object}}
    JobCreate:
      type: object
      description: >-
        A network ("model", "target" required) or a classical estimator ("estimator" instead of "model";
        "target" optional for clustering and PCA; "preprocessing" takes scale/impute/encode; "training" only seed).
      required: [dataset, register_as]
      additionalProperties: false
      properties:
        dataset: {type: string, minLength: 1}
        target: {type: string}
        model: {type: object, description: "Keras model.to_json() or an Orchard spec"}
        estimator:
          type: object
          required: [name]
          additionalProperties: false
          properties:
            name: {type: string, description: "random_forest, svc, logistic_regression, … (orchard train --help lists them)"}
            params: {type: object, description: "scikit-learn parameter names and values, e.g. {\"n_estimators\": 100}"}
        preprocessing:
          type: object
          additionalProperties: false
          properties:
            rescale: {type: number, description: networks}
            scale: {type: string, enum: [standard, minmax], description: estimators}
            impute: {type: string, enum: [mean, median, most_frequent], description: estimators}
            encode: {type: string, enum: [onehot, ordinal], description: estimators}
        training:
          type: object
          additionalProperties: false
          properties:
            epochs: {type: integer, minimum: 1}
            batch_size: {type: integer, minimum: 1}
            optimizer: {type: string, enum: [sgd, adam, adamw, rmsprop]}
            learning_rate: {type: number}
            loss: {type: string}
            metrics: {type: array, items: {type: string}}
            validation_split: {type: number, minimum: 0, exclusiveMaximum: 1}
            seed: {type: integer, minimum: 0}
        test_dataset: {type: string}
        register_as: {$ref: '#/components/schemas/ResourceName'}
    JobQueued:
      type: object
      properties:
        id: {type: string}
        status: {type: string}
    Job:
      type: object
      properties:
        id: {type: string}
        status: {type: string, enum: [queued, running, succeeded, failed, cancelled]}
        progress: {type: number}
        history: {type: array, items: {type: object}}
        metrics: {type: [object, "null"]}
        error: {type: [string, "null"]}
        model:
          type: [object, "null"]
          properties:
            name: {type: string}
            version: {type: integer}
    JobList:
      type: object
      properties:
        jobs: {type: array, items: {$ref: '#/components/schemas/Job'}}
    ModelVersion:
      type: object
      properties:
        name: {type: string}
        version: {type: integer}
        spec: {type: object}
        metrics: {type: object}
        lineage:
          type: object
          properties:
            dataset: {type: string}
            dataset_sha256: {type: string}
            job: {type: string}
            seed: {type: integer}
            orchard_version: {type: string}
        files: {type: object}
    Model:
      type: object
      properties:
        name: {type: string}
        versions: {type: array, items: {type: object}}
    ModelList:
      type: object
      properties:
        models: {type: array, items: {type: object}}
    PretrainedCreate:
      type: object
      required: [name, kind, path]
      additionalProperties: false
      properties:
        name: {allOf: [{$ref: '#/components/schemas/ResourceName'}], description: "the model id on /v1/models"}
        kind: {type: string, enum: [llm, embeddings]}
        path: {type: string, description: "GGUF file (llm) or sentence-transformers folder (embeddings), on the server"}
        tenants: {type: array, items: {type: string}, description: "tenant ids allowed; absent: every tenant"}
        parallel: {type: integer, minimum: 1, maximum: 256, description: "generation slots (llm only: refused for embeddings)"}
        context_length: {type: integer, minimum: 16, description: "tokens per slot (llm only: refused for embeddings)"}
    Pretrained:
      type: object
      properties:
        name: {type: string}
        kind: {type: string, enum: [llm, embeddings]}
        path: {type: string}
        tenants: {type: [array, "null"], items: {type: string}}
        source: {type: string, enum: [command_line, api]}
        status: {type: string, enum: [loaded, failed]}
        error: {type: [string, "null"]}
        created_at: {type: string, format: date-time}
        parallel: {type: integer}
        context_length: {type: integer}
        weight_bytes: {type: integer}
        kv_cache_bytes_per_slot: {type: integer}
        active: {type: integer}
        waiting: {type: integer}
        dimension: {type: integer}
    PretrainedList:
      type: object
      properties:
        pretrained: {type: array, items: {$ref: '#/components/schemas/Pretrained'}}
    DeploymentCreate:
      type: object
      required: [name, model]
      additionalProperties: false
      properties:
        name: {$ref: '#/components/schemas/ResourceName'}
        model: {$ref: '#/components/schemas/ResourceName'}
        version: {type: integer}
        traffic: {type: object, additionalProperties: {type: integer}}
        replicas: {type: integer, minimum: 1, maximum: 16}
        max_batch_size: {type: integer, minimum: 1, maximum: 65536}
        max_queue_delay_ms: {type: number, minimum: 0, maximum: 10000}
    DeploymentPatch:
      type: object
      additionalProperties: false
      properties:
        version: {type: integer}
        traffic: {type: object, additionalProperties: {type: integer}}
        rollback: {type: boolean}
        replicas: {type: integer, minimum: 1, maximum: 16}
        max_batch_size: {type: integer, minimum: 1, maximum: 65536}
        max_queue_delay_ms: {type: number, minimum: 0, maximum: 10000}
    Deployment:
      type: object
      properties:
        name: {type: string}
        model: {type: string}
        version: {type: integer}
        traffic: {type: object, additionalProperties: {type: integer}}
        replicas: {type: integer}
        max_batch_size: {type: integer}
        max_queue_delay_ms: {type: number}
    DeploymentList:
      type: object
      properties:
        deployments: {type: array, items: {$ref: '#/components/schemas/Deployment'}}
    CSVPrediction:
      type: object
      properties:
        model: {type: string}
        version: {type: integer}
        predictions: {type: array, items: {type: array, items: {type: number}}}
        classes: {type: array, items: {type: integer}}
"""#
}
