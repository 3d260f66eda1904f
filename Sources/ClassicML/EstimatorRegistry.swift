/// Estimators by CLI name (scikit-learn class names are accepted too).
public enum EstimatorRegistry {
    public static let all: [any Estimator.Type] = [
        LogisticRegression.self, LinearRegression.self, Ridge.self, Lasso.self, ElasticNet.self,
        DecisionTreeClassifier.self, DecisionTreeRegressor.self, RandomForestClassifier.self, RandomForestRegressor.self,
        GradientBoostingClassifier.self, GradientBoostingRegressor.self, SVC.self, SVR.self, LinearSVC.self,
        LabelSpreading.self, SelfTrainingClassifier.self, SGDClassifier.self, SGDRegressor.self,
        KNeighborsClassifier.self, KNeighborsRegressor.self, GaussianNB.self, MultinomialNB.self, KMeans.self, DBSCAN.self,
        PCA.self,
    ]

    static let aliases: [String: String] = [
        "LogisticRegression": "logistic_regression", "LinearRegression": "linear_regression", "Ridge": "ridge",
        "Lasso": "lasso", "ElasticNet": "elastic_net", "DecisionTreeClassifier": "decision_tree",
        "DecisionTreeRegressor": "decision_tree_regressor", "RandomForestClassifier": "random_forest",
        "RandomForestRegressor": "random_forest_regressor", "KNeighborsClassifier": "knn",
        "KNeighborsRegressor": "knn_regressor", "GaussianNB": "gaussian_nb", "KMeans": "kmeans",
        "GradientBoostingClassifier": "gradient_boosting", "GradientBoostingRegressor": "gradient_boosting_regressor",
        "SVC": "svc", "LabelSpreading": "label_spreading", "SelfTrainingClassifier": "self_training", "PCA": "pca",
        "SGDClassifier": "sgd_classifier", "SGDRegressor": "sgd_regressor", "SVR": "svr", "LinearSVC": "linear_svc",
        "MultinomialNB": "multinomial_nb", "DBSCAN": "dbscan",
    ]

    public static var names: [String] { all.map { $0.name } }

    public static func type(named name: String) throws -> any Estimator.Type {
        let canonical = aliases[name] ?? name
        guard let type = all.first(where: { $0.name == canonical }) else {
            throw ClassicMLError.unknownEstimator(name, known: names)
        }
        return type
    }

    /// A configured estimator; unknown or out-of-range parameters throw.
    public static func make(_ name: String, parameters given: [String: ParameterValue])
        throws -> (estimator: any Estimator, resolved: [String: ParameterValue]) {
        let type = try type(named: name)
        var parameters = Parameters(estimator: type.name, given: given)
        let estimator = try type.init(parameters: &parameters)
        try parameters.finish()
        return (estimator, parameters.resolved)
    }
}
