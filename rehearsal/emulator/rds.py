"""RDS: parameter sources, Performance Insights, no scaling configuration on provisioned clusters."""

from __future__ import annotations

from rehearsal.emulator.core import ACCOUNT_ID, Patch, Replace

RESPONSE = "moto.rds.responses:RDSResponse"


def _update_parameters(update):
    def update_parameters(self, new_parameters):
        new_parameters = list(new_parameters)
        update(self, new_parameters)
        for parameter in new_parameters:
            self.parameters[parameter["ParameterName"]].setdefault("Source", "user")

    return update_parameters


def _probe_parameter_source(session) -> bool:
    rds = session.client("rds")
    rds.create_db_parameter_group(DBParameterGroupName="probe", DBParameterGroupFamily="postgres16", Description="p")
    rds.modify_db_parameter_group(DBParameterGroupName="probe", Parameters=[
        {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"}])
    found = rds.describe_db_parameters(DBParameterGroupName="probe", Source="user")["Parameters"]
    return [p.get("Source") for p in found if p["ParameterName"] == "rds.force_ssl"] != ["user"]


RDS_PARAMETER_SOURCE = Patch(
    name="rds-parameter-source",
    moto="DescribeDBParameters returns the parameters set with ModifyDBParameterGroup without their "
         "Source, so the provider drops them and plans to set them again",
    aws="a parameter the user set reports Source 'user' (the Source filter of DescribeDBParameters "
        "selects exactly these)",
    reference="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_Parameter.html ; "
              "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBParameters.html",
    probe=_probe_parameter_source,
    replaces=(Replace("moto.rds.models:DBParameterGroup", "update_parameters", _update_parameters),),
)


#: Performance Insights request parameters -> DBInstance attributes (moto has no Performance Insights).
RDS_PERFORMANCE_INSIGHTS = {
    "EnablePerformanceInsights": "performance_insights_enabled",
    "PerformanceInsightsKMSKeyId": "performance_insights_kms_key_id",
    "PerformanceInsightsRetentionPeriod": "performance_insights_retention_period",
}


def _keep_performance_insights(original):
    def keep(self):
        answer = original(self)
        database = answer.result["DBInstance"]
        for key, attribute in RDS_PERFORMANCE_INSIGHTS.items():
            value = self.params.get(key)
            if value is not None:
                setattr(database, attribute, value in (True, "true") if key.startswith("Enable") else
                        int(value) if key.endswith("Period") else value)
        if getattr(database, "performance_insights_enabled", False):
            database.performance_insights_retention_period = getattr(
                database, "performance_insights_retention_period", None) or 7  # AWS's default
        return answer

    return keep


def _probe_performance_insights(session) -> bool:
    rds = session.client("rds")
    key = f"arn:aws:kms:{session.region_name}:{ACCOUNT_ID}:key/11111111-2222-3333-4444-555555555555"
    rds.create_db_instance(DBInstanceIdentifier="probe-pi", DBInstanceClass="db.t4g.small", Engine="postgres",
                           AllocatedStorage=20, MasterUsername="dbadmin", MasterUserPassword="probe-password-1",
                           EnablePerformanceInsights=True, PerformanceInsightsKMSKeyId=key,
                           PerformanceInsightsRetentionPeriod=7)
    (db,) = rds.describe_db_instances(DBInstanceIdentifier="probe-pi")["DBInstances"]
    return (db.get("PerformanceInsightsEnabled"), db.get("PerformanceInsightsKMSKeyId"),
            db.get("PerformanceInsightsRetentionPeriod")) != (True, key, 7)


RDS_PERFORMANCE_INSIGHTS_PATCH = Patch(
    name="rds-performance-insights",
    moto="CreateDBInstance/ModifyDBInstance ignore EnablePerformanceInsights, PerformanceInsightsKMSKeyId "
         "and PerformanceInsightsRetentionPeriod; DescribeDBInstances never reports them",
    aws="an instance created with Performance Insights reports PerformanceInsightsEnabled, its KMS key "
        "and its retention period (default 7 days)",
    reference="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html",
    probe=_probe_performance_insights,
    replaces=(
        Replace(RESPONSE, "create_db_instance", _keep_performance_insights),
        Replace(RESPONSE, "modify_db_instance", _keep_performance_insights),
    ),
)


def _scaling_configuration_info(info):
    return property(lambda self: info.fget(self) if self.scaling_configuration else None)


def _probe_cluster_scaling(session) -> bool:
    rds = session.client("rds")
    cluster = rds.create_db_cluster(DBClusterIdentifier="probe-aurora", Engine="aurora-mysql",
                                    MasterUsername="dbadmin", MasterUserPassword="probe-password-1")["DBCluster"]
    described = rds.describe_db_clusters(DBClusterIdentifier="probe-aurora")["DBClusters"][0]
    return "ScalingConfigurationInfo" in cluster or "ScalingConfigurationInfo" in described


RDS_CLUSTER_SCALING = Patch(
    name="rds-provisioned-cluster-scaling-configuration",
    moto="every DB cluster reports a ScalingConfigurationInfo (empty for a provisioned Aurora cluster): "
         "the provider re-plans a scaling_configuration block with the Serverless v1 defaults",
    aws="ScalingConfigurationInfo describes Aurora Serverless v1 clusters (engine mode serverless) only; a "
        "provisioned cluster has none",
    reference="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBCluster.html ; "
              "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ScalingConfigurationInfo.html",
    probe=_probe_cluster_scaling,
    replaces=(Replace("moto.rds.models:DBCluster", "scaling_configuration_info", _scaling_configuration_info),),
)
