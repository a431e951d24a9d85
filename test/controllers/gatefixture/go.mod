module release-health/test/controllers/gatefixture

go 1.23.4
