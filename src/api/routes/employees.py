"""The stored TechNova employees (token required): read one, predict for one."""

from typing import Annotated, Any

from fastapi import Path
from fastapi.responses import Response
from pydantic import BaseModel

from database.repository import get_employee
from src.api.deps import CallDep, ServiceDep, SessionDep
from src.api.recorder import audited_router
from src.api.routes.predict import sent
from src.errors import UnknownEmployeeError
from src.fields import MAX_EMPLOYEE_ID
from src.schemas import Prediction

router = audited_router(tags=["employees"], errors=(404,))

EmployeeId = Annotated[
    int, Path(ge=1, le=MAX_EMPLOYEE_ID, description="id_employee of the HR extracts")
]


class StoredEmployee(BaseModel):
    id_employee: int
    record: dict[str, Any]
    a_quitte_l_entreprise: bool


@router.get("/employees/{id_employee}")
def read_employee(id_employee: EmployeeId, session: SessionDep) -> StoredEmployee:
    """The employee's record as the HR extracts give it, and whether they left."""
    employee = get_employee(session, id_employee)
    if employee is None:
        raise UnknownEmployeeError(f"no employee with id_employee {id_employee}")
    return StoredEmployee(
        id_employee=employee.id_employee,
        record=employee.record,
        a_quitte_l_entreprise=employee.a_quitte_l_entreprise,
    )


@router.post("/employees/{id_employee}/predict", response_model=Prediction)
async def predict_employee(id_employee: EmployeeId, service: ServiceDep, call: CallDep) -> Response:
    """A prediction for the stored employee, traced like any other."""
    return sent(await service.predict_employee(id_employee, call))
