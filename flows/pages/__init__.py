"""Page objects, one per page of portal-model.md: the only place with locators."""
