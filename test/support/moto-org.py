"""moto's server with IAM's trust rule for one role name: AssumeRole of a role named in
MOTO_STRICT_ROLE_NAMES (comma-separated) fails with AccessDenied unless the role exists in the
target account, as in AWS. moto otherwise lets any role ARN be assumed, so "the member role is
missing in this account" could not be shown. Other role names (OrganizationAccountAccessRole, used
by tests to seed member accounts) stay as moto has them. Usage: python3 moto-org.py HOST PORT
"""
import os
import sys

from moto.iam.models import iam_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.sts import models as sts_models
from moto.sts.exceptions import STSClientError
from werkzeug.serving import run_simple

STRICT = {n for n in os.environ.get("MOTO_STRICT_ROLE_NAMES", "").split(",") if n}
_assume_role = sts_models.STSBackend.assume_role


def assume_role(self, region_name, role_session_name, role_arn, policy, duration, external_id):
    parts = role_arn.split(":")
    if len(parts) >= 6 and parts[5].split("/")[-1] in STRICT:
        partition, account = parts[1], parts[4]
        roles = iam_backends[account][partition].roles.values()
        if not any(role.arn == role_arn for role in roles):
            raise STSClientError(
                "AccessDenied",
                f"User is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            )
    return _assume_role(self, region_name, role_session_name, role_arn, policy, duration, external_id)


sts_models.STSBackend.assume_role = assume_role
host, port = sys.argv[1], int(sys.argv[2])
run_simple(host, port, DomainDispatcherApplication(create_backend_app), threaded=True)
