"""Lambda: a function keeps its logging and dead-letter configuration."""

from __future__ import annotations

from rehearsal.emulator.core import Patch, Replace

FUNCTION = "moto.awslambda.models:LambdaFunction"


def _init(init):
    def __init__(self, account_id, spec, *args, **kwargs):
        init(self, account_id, spec, *args, **kwargs)
        self._rehearsal_logging = dict(spec.get("LoggingConfig") or {})
        self._rehearsal_dead_letter = dict(spec.get("DeadLetterConfig") or {})

    return __init__


def _get_configuration(get_configuration):
    def configuration(self, *args, **kwargs):
        config = get_configuration(self, *args, **kwargs)
        logging_config = getattr(self, "_rehearsal_logging", {})
        config["LoggingConfig"] = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{self.function_name}",
                                   **logging_config}
        if getattr(self, "_rehearsal_dead_letter", {}).get("TargetArn"):
            config["DeadLetterConfig"] = self._rehearsal_dead_letter
        return config

    return configuration


def _update_configuration(update_configuration):
    def update(self, spec, *args, **kwargs):
        if "LoggingConfig" in spec:
            self._rehearsal_logging = dict(spec["LoggingConfig"] or {})
        if "DeadLetterConfig" in spec:
            self._rehearsal_dead_letter = dict(spec["DeadLetterConfig"] or {})
        update_configuration(self, spec, *args, **kwargs)
        return self.get_configuration()

    return update


def _probe_configuration(session) -> bool:
    import io
    import zipfile

    iam, sqs, lam = session.client("iam"), session.client("sqs"), session.client("lambda")
    role = iam.create_role(RoleName="probe-fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    queue = sqs.create_queue(QueueName="probe-dlq")["QueueUrl"]
    dlq = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as z:
        z.writestr("handler.py", "def handle(event, context):\n    return None\n")
    lam.create_function(FunctionName="probe-fn", Runtime="python3.11", Role=role, Handler="handler.handle",
                        Code={"ZipFile": package.getvalue()}, DeadLetterConfig={"TargetArn": dlq},
                        LoggingConfig={"LogFormat": "JSON", "LogGroup": "/probe/fn", "ApplicationLogLevel": "INFO",
                                       "SystemLogLevel": "WARN"})
    config = lam.get_function_configuration(FunctionName="probe-fn")
    return not (config.get("LoggingConfig", {}).get("LogGroup") == "/probe/fn"
                and config.get("DeadLetterConfig", {}).get("TargetArn") == dlq)


LAMBDA_CONFIGURATION = Patch(
    name="lambda-logging-and-dead-letter-config",
    moto="CreateFunction/UpdateFunctionConfiguration drop LoggingConfig and DeadLetterConfig: "
         "GetFunction returns neither (the provider re-plans logging_config and dead_letter_config)",
    aws="the function keeps its LoggingConfig (log format, log group; default Text and /aws/lambda/<name>) "
        "and its DeadLetterConfig target, and returns them in its configuration",
    reference="https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html ; "
              "https://docs.aws.amazon.com/lambda/latest/api/API_LoggingConfig.html ; "
              "https://docs.aws.amazon.com/lambda/latest/api/API_DeadLetterConfig.html",
    probe=_probe_configuration,
    replaces=(
        Replace(FUNCTION, "__init__", _init),
        Replace(FUNCTION, "get_configuration", _get_configuration),
        Replace(FUNCTION, "update_configuration", _update_configuration),
    ),
)
