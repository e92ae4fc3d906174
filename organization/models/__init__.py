from organization.models.departments import Department
from organization.models.notifications import Notification
from organization.models.people import Person
from organization.models.users import User

__all__ = ["Department", "Notification", "Person", "User"]
